package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// pop3Cmd sends one command and reads its status line. ok is false on
// -ERR, which is counted; err is set for I/O failures and for -ERR (a
// *protoError).
func (c *conn) pop3Cmd(name string, line []byte) ([]byte, error) {
	o := c.w.op(name)
	t0 := time.Now()
	if err := c.send(line); err != nil {
		return nil, err
	}
	reply, err := c.readLine()
	o.hist.Record(time.Since(t0))
	o.count++
	if err != nil {
		return nil, err
	}
	return reply, pop3Status(c.w, name, o, reply)
}

func pop3Status(w *worker, name string, o *opStat, reply []byte) error {
	switch {
	case bytes.HasPrefix(reply, []byte("+OK")):
		return nil
	case bytes.HasPrefix(reply, []byte("-ERR")):
		return w.refuse(name, o, reply)
	}
	return malformed(name, reply)
}

func (w *worker) pop3Session(ctx context.Context) error {
	var greet []byte
	c, o, err := w.connect(ctx, func(c *conn) (err error) { greet, err = c.readLine(); return err })
	if err != nil {
		return err
	}
	defer c.close()
	if err := pop3Status(w, "connect", o, greet); err != nil {
		return err
	}
	if w.cfg.TLS == TLSStart {
		o := w.op("STLS")
		t0 := time.Now()
		if _, err := c.pop3Cmd("STLS", []byte("STLS")); err != nil {
			return err
		}
		if err := c.startTLS(); err != nil {
			return err
		}
		o.hist.Record(time.Since(t0)) // the command and the handshake
	}
	quit := func() {
		c.pop3Cmd("QUIT", []byte("QUIT"))
	}
	if _, err := c.pop3Cmd("USER", append([]byte("USER "), w.user...)); err != nil {
		if isProto(err) {
			quit()
		}
		return err
	}
	if _, err := c.pop3Cmd("PASS", append([]byte("PASS "), w.cfg.Pass...)); err != nil {
		if isProto(err) {
			quit()
		}
		return err
	}
	stat, err := c.pop3Cmd("STAT", []byte("STAT"))
	if err != nil {
		if isProto(err) {
			quit()
		}
		return err
	}
	n, ok := statCount(stat)
	if !ok {
		return malformed("STAT", stat)
	}
	if w.cfg.MaxRetr > 0 {
		n = min(n, w.cfg.MaxRetr)
	}
	ro := w.op("RETR")
	for i := 1; i <= n; i++ {
		t0 := time.Now()
		w.cmd = strconv.AppendInt(append(w.cmd[:0], "RETR "...), int64(i), 10)
		if err := c.send(w.cmd); err != nil {
			return err
		}
		reply, err := c.readLine()
		if err != nil {
			return err
		}
		if err := pop3Status(w, "RETR", ro, reply); err != nil {
			ro.hist.Record(time.Since(t0))
			ro.count++
			if isProto(err) {
				continue
			}
			return err
		}
		if err := c.skipDotBody(); err != nil {
			return err
		}
		ro.hist.Record(time.Since(t0))
		ro.count++
		w.messages++
	}
	_, err = c.pop3Cmd("QUIT", []byte("QUIT"))
	return err
}

func isProto(err error) bool {
	var pe *protoError
	return errors.As(err, &pe)
}

// statCount reads n from "+OK n size".
func statCount(line []byte) (int, bool) {
	f := bytes.Fields(line)
	if len(f) < 3 {
		return 0, false
	}
	n, err := strconv.Atoi(string(f[1]))
	return n, err == nil && n >= 0
}

// skipDotBody reads a multi-line body up to its "." line (POP3, and the
// end of SMTP DATA).
func (c *conn) skipDotBody() error {
	start := true
	for {
		line, err := c.r.ReadSlice('\n')
		switch {
		case err == nil:
			if start && (len(line) == 3 && line[0] == '.' && line[1] == '\r' || len(line) == 2 && line[0] == '.') {
				return nil
			}
			start = true
		case errors.Is(err, io.EOF):
			return io.ErrUnexpectedEOF
		case errors.Is(err, errBufferFull):
			start = false
		default:
			return err
		}
	}
}
