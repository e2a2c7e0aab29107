package classroom

import (
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"mailsim/sim/roles"
)

// classCard is the card of a classroom on all interfaces with students and
// the shared mailbox: every line the card can print.
func classCard() Card {
	c := Card{Address: "192.168.1.10", CAFile: "mailsim-ca.pem",
		Accounts: append(Students(3, "example.com"), ClassAccount("example.com"))}
	for i, domain := range []string{"example.com", "example.org"} {
		for _, r := range roles.All {
			sec := "STARTTLS"
			if r.ImplicitTLS() {
				sec = "SSL/TLS"
			}
			c.Servers = append(c.Servers, CardServer{Domain: domain, Host: r.Host(domain), Role: r, Port: 1000 + r.StandardPort() + 1000*i, Security: sec})
		}
	}
	return c
}

func TestTheCardFitsEightyColumnsInEveryLanguage(t *testing.T) {
	for _, lang := range []string{"en", "vi"} {
		var b strings.Builder
		classCard().Write(&b, lang)
		for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if w := uniseg.StringWidth(l); w > cardColumns {
				t.Errorf("%s: card line %d is %d columns wide (at most %d):\n%s", lang, i+1, w, cardColumns, l)
			}
		}
	}
}

func TestTheHostsLinesAreValidHostsEntriesNamingEveryServer(t *testing.T) {
	c := classCard()
	named := map[string]bool{}
	for _, l := range c.HostLines() {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != c.Address {
			t.Fatalf("hosts line %q: want the address, then names", l)
		}
		for _, h := range f[1:] {
			named[h] = true
		}
	}
	for _, s := range c.Servers {
		if !named[s.Host] {
			t.Errorf("no hosts line names %s", s.Host)
		}
	}
	for _, l := range c.HostLines() {
		if strings.Contains(l, ".com") && strings.Contains(l, ".org") {
			t.Errorf("hosts line %q mixes providers", l)
		}
	}
	c.Address = "127.0.0.1"
	if n := len(c.HostLines()); n != 2 {
		t.Errorf("%d hosts lines on loopback, want one per provider (2): %q", n, c.HostLines())
	}
}

func TestTheCardAndTheSheetSpeakTheTrainersLanguage(t *testing.T) {
	c := classCard()
	for lang, want := range map[string][]string{
		"en": {"Servers (students connect to 192.168.1.10):", "incoming, IMAP", "only inside TLS"},
		"vi": {"Máy chủ (học viên kết nối tới 192.168.1.10):", "thư đến, IMAP", "chỉ được chấp nhận bên trong TLS"},
	} {
		var card, sheet strings.Builder
		c.Write(&card, lang)
		if err := c.WriteSheet(&sheet, lang); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(card.String(), w) {
				t.Errorf("%s card lacks %q:\n%s", lang, w, card.String())
			}
		}
		for _, w := range append(c.HostLines(), "student01@example.com", "`student01`") {
			if !strings.Contains(sheet.String(), w) {
				t.Errorf("%s sheet lacks %q", lang, w)
			}
		}
	}
}
