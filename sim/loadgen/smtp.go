package loadgen

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// smtpReply reads a (multi-line) reply and returns its code and last line.
func (c *conn) smtpReply(name string) (int, []byte, error) {
	for {
		line, err := c.readLine()
		if err != nil {
			return 0, nil, err
		}
		if len(line) < 4 || line[3] != '-' && line[3] != ' ' && line[3] != '\r' && line[3] != '\n' {
			return 0, nil, malformed(name, line)
		}
		code, err := strconv.Atoi(string(line[:3]))
		if err != nil {
			return 0, nil, malformed(name, line)
		}
		if line[3] != '-' {
			return code, line, nil
		}
	}
}

// smtpCmd sends a command (nil: none, just read a reply) and checks the
// reply's code is want's class (2 or 3); 4xx and 5xx are protocol errors.
func (c *conn) smtpCmd(name string, line []byte, want int) error {
	o := c.w.op(name)
	t0 := time.Now()
	if line != nil {
		if err := c.send(line); err != nil {
			return err
		}
	} else {
		c.deadline()
	}
	code, reply, err := c.smtpReply(name)
	o.hist.Record(time.Since(t0))
	o.count++
	if err != nil {
		return err
	}
	switch {
	case code/100 == want:
		return nil
	case code >= 400:
		return c.w.refuse(name, o, reply)
	}
	return malformed(name, reply)
}

// address is the user's address, for SMTP's defaults.
func address(user string) string {
	if strings.Contains(user, "@") || user == "" {
		return user
	}
	return user + "@example.com"
}

// smtpConnection sends Sessions messages on one connection.
func (w *worker) smtpConnection(ctx context.Context) error {
	from, to := w.cfg.From, w.cfg.To
	if from == "" {
		from = address(w.user)
	}
	if to == "" {
		to = address(w.user)
	}
	from = strings.ReplaceAll(from, "%d", strconv.Itoa(w.id+1))
	to = strings.ReplaceAll(to, "%d", strconv.Itoa(w.id+1))
	var code int
	var greet []byte
	c, o, err := w.connect(ctx, func(c *conn) (err error) { code, greet, err = c.smtpReply("connect"); return err })
	if err != nil {
		return err
	}
	defer c.close()
	quit := func() error { return c.smtpCmd("QUIT", []byte("QUIT"), 2) }
	if code != 220 {
		if code >= 400 {
			return w.refuse("connect", o, greet)
		}
		return malformed("connect", greet)
	}
	ehlo := []byte("EHLO loadgen.invalid")
	if err := c.smtpCmd("EHLO", ehlo, 2); err != nil {
		return err
	}
	if w.cfg.TLS == TLSStart {
		o := w.op("STARTTLS")
		t0 := time.Now()
		if err := c.smtpCmd("STARTTLS", []byte("STARTTLS"), 2); err != nil {
			return err
		}
		if err := c.startTLS(); err != nil {
			return err
		}
		o.hist.Record(time.Since(t0))
		if err := c.smtpCmd("EHLO", ehlo, 2); err != nil {
			return err
		}
	}
	if w.user != "" {
		plain := base64.StdEncoding.EncodeToString([]byte("\x00" + w.user + "\x00" + w.cfg.Pass))
		if err := c.smtpCmd("AUTH PLAIN", []byte("AUTH PLAIN "+plain), 2); err != nil {
			if isProto(err) {
				quit()
			}
			return err
		}
	}
	body := messageBody(w.cfg.MessageSize)
	mail := []byte("MAIL FROM:<" + from + ">")
	rcpt := []byte("RCPT TO:<" + to + ">")
	for i := 0; i < w.cfg.Sessions; i++ {
		if ctx.Err() != nil {
			break
		}
		err := c.smtpCmd("MAIL", mail, 2)
		if err == nil {
			err = c.smtpCmd("RCPT", rcpt, 2)
		}
		if err == nil {
			err = c.smtpCmd("DATA", []byte("DATA"), 3)
		}
		if err == nil {
			c.deadline()
			fmt.Fprintf(c.bw, "From: <%s>\r\nTo: <%s>\r\nSubject: loadgen %d.%d\r\nMessage-ID: <%d.%d.%d@loadgen.invalid>\r\nDate: %s\r\n\r\n",
				from, to, w.id+1, i+1, w.id+1, i+1, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z))
			c.bw.Write(body)
			err = c.smtpCmd("message", []byte("."), 2)
			if err == nil {
				w.messages++
			}
		}
		if err != nil {
			if !isProto(err) {
				return err
			}
			if err := c.smtpCmd("RSET", []byte("RSET"), 2); err != nil && !isProto(err) {
				return err
			}
		}
	}
	return quit()
}

// messageBody is size octets of text lines, none starting with a dot.
func messageBody(size int) []byte {
	const line = "The quick brown fox jumps over the lazy dog, again and again.\r\n"
	var b strings.Builder
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	if rest := size - b.Len(); rest > 2 {
		b.WriteString(strings.Repeat("x", rest-2) + "\r\n")
	}
	return []byte(b.String())
}
