package pop3

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"strings"
	"testing"

	"mailsim/sim/mailstore"
)

// viaDotWriter is what the reference, textproto's DotWriter, writes for body.
func viaDotWriter(t testing.TB, body []byte) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 16)
	dw := textproto.NewWriter(bw).DotWriter()
	if _, err := dw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func viaDotStuffed(t testing.TB, body []byte, size int) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, size)
	if err := writeDotStuffed(bw, body); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var dotInputs = []string{
	"",
	".",
	"..",
	"\r\n",
	"\n",
	"\r",
	".\r\n",
	"\r\n.\r\n",
	"a\r\n.\r\nb\r\n",
	".leading dot\r\nsecond\r\n",
	"line\r\n.\r\n..\r\n...\r\n",
	"no final CRLF",
	"no final CRLF\r\n.",
	"ends in CR\r",
	"bare\nLF\n.dot\n",
	"\n.\n",
	"CR inside\rline\r\n.x\r\n",
	"\r\r\n.\r\n",
	"\r\n\r\n\r\n",
	"\r.\r\n",
	"\r\n\n.",
	"From: a@b\r\nSubject: x\r\n\r\n.starts with a dot\r\nbody\r\n.\r\n",
	strings.Repeat("a long line ", 2000) + "\r\n." + strings.Repeat("b", 70000),
}

func TestWriteDotStuffedMatchesDotWriter(t *testing.T) {
	for _, in := range dotInputs {
		want := viaDotWriter(t, []byte(in))
		for _, size := range []int{16, 4096, 16 << 10} {
			if got := viaDotStuffed(t, []byte(in), size); !bytes.Equal(got, want) {
				t.Errorf("%.60q (buffer %d):\n got %.80q\nwant %.80q", in, size, got, want)
			}
		}
	}
}

func viaMessage(t testing.TB, m *mailstore.Message) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 16)
	if err := writeMessageDotStuffed(bw, m); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	return out.Bytes()
}

// TestWriteMessageDotStuffed: RETR's memoised plan gives the DotWriter's
// octets for stored messages, the first time and the next.
func TestWriteMessageDotStuffed(t *testing.T) {
	store := mailstore.New(mailstore.Options{})
	if err := store.AddUser("u", "pw"); err != nil {
		t.Fatal(err)
	}
	for _, in := range dotInputs {
		uid, err := store.Deliver("u", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.Message("u", mailstore.Inbox, uid)
		if err != nil {
			t.Fatal(err)
		}
		want := viaDotWriter(t, m.Raw)
		for range 2 {
			if got := viaMessage(t, m); !bytes.Equal(got, want) {
				t.Errorf("%.60q:\n got %.80q\nwant %.80q", m.Raw, got, want)
			}
		}
	}
}

func FuzzWriteDotStuffed(f *testing.F) {
	for _, in := range dotInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := viaDotWriter(t, in)
		if got := viaDotStuffed(t, in, 16); !bytes.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
		if got := viaMessage(t, &mailstore.Message{Raw: in}); !bytes.Equal(got, want) {
			t.Errorf("%q (planned):\n got %q\nwant %q", in, got, want)
		}
	})
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errTestWrite }

var errTestWrite = &textproto.Error{Code: 1, Msg: "write failed"}

func TestWriteDotStuffedReportsWriteError(t *testing.T) {
	bw := bufio.NewWriterSize(failWriter{}, 16)
	if err := writeDotStuffed(bw, []byte(strings.Repeat("x\r\n", 100))); err != errTestWrite {
		t.Errorf("err = %v, want %v", err, errTestWrite)
	}
}

func BenchmarkDotStuff(b *testing.B) {
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2) + "\r\n"
	body := []byte("From: bob@example.org\r\nSubject: x\r\n\r\n.starts with a dot\r\n" + strings.Repeat(line, 2048/len(line)))
	b.Run("DotWriter", func(b *testing.B) {
		bw := bufio.NewWriterSize(io.Discard, 16<<10)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			dw := textproto.NewWriter(bw).DotWriter()
			dw.Write(body)
			dw.Close()
		}
	})
	b.Run("writeDotStuffed", func(b *testing.B) {
		bw := bufio.NewWriterSize(io.Discard, 16<<10)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			writeDotStuffed(bw, body)
			bw.Flush()
		}
	})
}
