package smtp

import (
	"fmt"

	gosmtp "github.com/emersion/go-smtp"
)

// Replies this package gives, each with its enhanced status code (RFC 3463).
// go-smtp writes an *SMTPError returned by a session as it is.
var (
	errAuthRequired = &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0},
		Message: "Authentication required: log in with AUTH before MAIL on the submission port (RFC 6409)"}
	errEncryptionRequired = &gosmtp.SMTPError{Code: 538, EnhancedCode: gosmtp.EnhancedCode{5, 7, 11},
		Message: "Encryption required for requested authentication mechanism: use STARTTLS first"}
	errAuthIdentity = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8},
		Message: "Authentication failed: acting as another user (authorization identity) is not allowed"}
	errBareLF = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 5, 2},
		Message: "Message not accepted: bare LF or CR in the message; SMTP lines end with CRLF (curl: use --crlf)"}
	errShuttingDown = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 2},
		Message: "Service shutting down, try again later"}
	errLoginsPending = &gosmtp.SMTPError{Code: 454, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0},
		Message: "Temporary authentication failure: failed logins from your address are still waiting out their delay; try again in a few seconds"}
	errBadSender = &gosmtp.SMTPError{Code: 501, EnhancedCode: gosmtp.EnhancedCode{5, 1, 7},
		Message: "Bad sender address syntax: control characters or invalid UTF-8"}
	errGone = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 4, 2},
		Message: "Connection closed"}
)

func errLineTooLong(max int) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 500, EnhancedCode: gosmtp.EnhancedCode{5, 5, 2},
		Message: fmt.Sprintf("Line too long: at most %d octets per line (RFC 5321 4.5.3.1.6)", max)}
}

func errBadAddress(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 501, EnhancedCode: gosmtp.EnhancedCode{5, 1, 3},
		Message: fmt.Sprintf("Bad recipient address syntax <%s>: want user@domain", addr)}
}

func errNoSuchUser(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1},
		Message: fmt.Sprintf("<%s>: no such user here", addr)}
}

func errRelayDenied(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1},
		Message: fmt.Sprintf("<%s>: Relay access denied (this server only accepts mail for its own domains; authenticate on the submission port to send elsewhere)", addr)}
}

func errNoMTA(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1},
		Message: fmt.Sprintf("<%s>: Relay access denied (this provider has no outgoing mail transfer agent)", addr)}
}

func errMailboxFullTemp(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 2, 2},
		Message: fmt.Sprintf("<%s>: mailbox full (quota exceeded), try again later", addr)}
}

func errMailboxFull(addr string) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 2, 2},
		Message: fmt.Sprintf("<%s>: mailbox full (quota exceeded); nothing was delivered", addr)}
}

func errQueue(err error) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
		Message: fmt.Sprintf("Could not queue the message: %v; nothing was delivered", err)}
}

func errLocal(err error) *gosmtp.SMTPError {
	return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
		Message: fmt.Sprintf("Local delivery failed: %v", err)}
}
