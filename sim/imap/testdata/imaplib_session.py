"""Drives the mailsim IMAP server with Python's imaplib, as a real client.

Usage: imaplib_session.py PORT. Prints one "ok ..." line per check and
"ALL-OK" at the end; "FAIL ..." and exit 1 on the first failed check. For
IDLE it prints "IDLE-READY" and waits for the test to deliver a message.
"""
import imaplib
import re
import sys

port = int(sys.argv[1])


def check(cond, what):
    if not cond:
        print("FAIL", what, flush=True)
        sys.exit(1)
    print("ok", what, flush=True)


M = imaplib.IMAP4("127.0.0.1", port)
typ, _ = M.login("alice", "pw")
check(typ == "OK", "LOGIN")

typ, data = M.list()
check(typ == "OK" and any(b"\\Sent" in d and b"Sent" in d for d in data), "LIST shows \\Sent: %r" % data)

typ, data = M.select("INBOX")
check(typ == "OK" and data[0] == b"3", "SELECT INBOX has 3 messages: %r" % data)

typ, data = M.fetch("1", "(ENVELOPE)")
check(b'"Message 1"' in data[0] and b'"bob" "example.org"' in data[0], "FETCH ENVELOPE: %r" % data)

typ, data = M.fetch("2", "(BODYSTRUCTURE)")
check(b'"mixed"' in data[0] and b'"menu.txt"' in data[0], "FETCH BODYSTRUCTURE: %r" % data)

typ, data = M.fetch("1", "(BODY.PEEK[])")
raw = data[0][1]
check(raw.startswith(b"From: Bob") and b"message number 1" in raw, "FETCH BODY.PEEK[]")

typ, data = M.fetch("1", "(FLAGS)")
check(b"\\Seen" not in data[0], "BODY.PEEK leaves \\Seen unset: %r" % data)

typ, data = M.fetch("2", "(BODY[1]<0.100>)")
part = data[0][1]
check(part.startswith(b"See the menu") and len(part) <= 100, "partial BODY[1]<0.100>: %r" % data)

typ, data = M.fetch("2", "(FLAGS)")
check(b"\\Seen" in data[0], "BODY[...] sets \\Seen: %r" % data)

typ, data = M.store("1", "+FLAGS", "(\\Flagged)")
check(typ == "OK" and b"\\Flagged" in data[0], "STORE +FLAGS: %r" % data)
typ, data = M.store("1", "-FLAGS", "(\\Flagged)")
check(typ == "OK" and b"\\Flagged" not in data[0], "STORE -FLAGS: %r" % data)

typ, data = M.search(None, "FROM", "carol")
check(data[0].split() == [b"2"], "SEARCH FROM carol: %r" % data)
typ, data = M.search(None, "UNSEEN")
check(data[0].split() == [b"1", b"3"], "SEARCH UNSEEN: %r" % data)
typ, data = M.uid("SEARCH", "BODY", "number 3")
check(data[0].split() == [b"3"], "UID SEARCH BODY: %r" % data)

typ, data = M.copy("1", "Trash")
check(typ == "OK" and b"COPYUID" in data[0], "COPY to Trash: %r" % data)

typ, data = M.uid("MOVE", "3", "Drafts")
check(typ == "OK", "UID MOVE to Drafts: %r" % data)
typ, data = M.response("EXPUNGE")
check(data == [b"3"], "MOVE sends EXPUNGE 3: %r" % data)

typ, data = M.store("1", "+FLAGS", "(\\Deleted)")
typ, data = M.expunge()
check(typ == "OK" and data == [b"1"], "EXPUNGE: %r" % data)

typ, data = M.append("INBOX", "(\\Seen)", None, b"From: py@example.org\r\nSubject: appended\r\n\r\nhi\r\n")
check(typ == "OK" and b"APPENDUID" in data[0], "APPEND: %r" % data)

typ, data = M.status("Drafts", "(MESSAGES UIDNEXT)")
check(b"MESSAGES 1" in data[0], "STATUS Drafts: %r" % data)

# IDLE is not in imaplib 3.11: speak it raw.
tag = M._new_tag().decode()
M.send(("%s IDLE\r\n" % tag).encode())
line = M.readline()
check(line.startswith(b"+"), "IDLE continuation: %r" % line)
print("IDLE-READY", flush=True)
line = M.readline()
check(re.match(rb"\* \d+ EXISTS", line) is not None, "IDLE sees EXISTS: %r" % line)
M.send(b"DONE\r\n")
while True:
    line = M.readline()
    if line.startswith(tag.encode()):
        break
check(b" OK " in line, "IDLE ends with OK: %r" % line)

typ, _ = M.logout()
check(typ == "BYE", "LOGOUT")
print("ALL-OK", flush=True)
