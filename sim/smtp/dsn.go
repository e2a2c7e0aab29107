package smtp

import (
	"fmt"
	"strings"
	"time"
)

// bounce tells the sender of e that the failed recipients will not get it.
// A message with a null sender (itself a bounce) is never bounced, which
// would loop.
func (m *MTA) bounce(e *entry, failed []failure) {
	var list []string
	for _, f := range failed {
		list = append(list, fmt.Sprintf("<%s> (%s)", f.rcpt, f.status))
	}
	m.o.Logf("mta %s: %s undeliverable to %s", m.o.Hostname, e.id, strings.Join(list, ", "))
	if e.from == "" {
		m.o.Logf("mta %s: %s has a null sender; no bounce is sent", m.o.Hostname, e.id)
		return
	}
	if m.o.Bounce == nil {
		return
	}
	m.o.Bounce(e.from, m.dsn(e, failed))
}

// dsn builds a delivery status notification: a multipart/report of type
// delivery-status (RFC 6522, RFC 3464) with a human part, the per-recipient
// status, and the original message's headers.
func (m *MTA) dsn(e *entry, failed []failure) []byte {
	now := m.o.Clock()
	id := m.o.NewID()
	host := m.o.Hostname
	boundary := "=_dsn_" + id
	date := func(t time.Time) string { return t.Format(time.RFC1123Z) }

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("From: Mail Delivery System <MAILER-DAEMON@%s>", host)
	w("To: <%s>", e.from)
	w("Subject: Undelivered Mail Returned to Sender")
	w("Date: %s", date(now))
	w("Message-ID: <%s@%s>", id, host)
	w("Auto-Submitted: auto-replied")
	w("MIME-Version: 1.0")
	w("Content-Type: multipart/report; report-type=delivery-status;")
	w("\tboundary=\"%s\"", boundary)
	w("")
	w("This is a MIME-encapsulated message.")
	w("")
	w("--%s", boundary)
	w("Content-Type: text/plain; charset=us-ascii")
	w("")
	w("This is the mail system at host %s.", host)
	w("")
	w("Your message %s could not be delivered to one or more recipients.", e.id)
	w("")
	for _, f := range failed {
		w("<%s>: %s", f.rcpt, diagText(f.diag))
	}
	w("")
	w("--%s", boundary)
	w("Content-Type: message/delivery-status")
	w("")
	w("Reporting-MTA: dns; %s", host)
	w("X-Mailsim-Queue-ID: %s", e.id)
	w("Arrival-Date: %s", date(e.arrived))
	for _, f := range failed {
		w("")
		w("Final-Recipient: rfc822; %s", f.rcpt)
		w("Action: failed")
		w("Status: %s", f.status)
		if f.remote != "" {
			w("Remote-MTA: dns; %s", f.remote)
		}
		w("Diagnostic-Code: %s", f.diag)
		if !f.at.IsZero() {
			w("Last-Attempt-Date: %s", date(f.at))
		}
	}
	w("")
	w("--%s", boundary)
	w("Content-Type: text/rfc822-headers")
	w("")
	b.Write(headerBlock(e.data))
	w("")
	w("--%s--", boundary)
	return []byte(b.String())
}

// diagText is the human half of a Diagnostic-Code ("smtp; 550 ..." gives
// "550 ...").
func diagText(diag string) string {
	if _, text, ok := strings.Cut(diag, "; "); ok {
		return text
	}
	return diag
}
