package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the result as a readable table.
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s  tls=%s  %d conns x %d %s\n", strings.ToUpper(string(r.Protocol)), r.Addr, r.TLS,
		r.Conns, r.Sessions, map[Protocol]string{SMTP: "messages"}[r.Protocol]+map[bool]string{true: "sessions"}[r.Protocol != SMTP])
	fmt.Fprintf(&b, "wall %v   commands %d (%.0f/s)   bytes in %s out %s (%s/s)   messages %d\n",
		r.Wall.Round(time.Millisecond), r.Commands, r.CommandsPerSec(), human(float64(r.BytesIn)), human(float64(r.BytesOut)),
		human(r.BytesPerSec()), r.Messages)
	fmt.Fprintf(&b, "sessions ok %d failed %d   errors: protocol %d, I/O %d\n", r.SessionsOK, r.SessionsFailed, r.ProtocolErrors, r.IOErrors)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "command\tcount\terrors\tp50\tp90\tp99\tmax\t\n")
	for _, o := range r.Ops {
		h := o.Hist
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", o.Name, o.Count, o.Errors,
			dur(h.Percentile(50)), dur(h.Percentile(90)), dur(h.Percentile(99)), dur(h.Max()))
	}
	tw.Flush()
	if len(r.ErrorSamples) > 0 {
		fmt.Fprintf(&b, "first errors:\n")
		for _, s := range r.ErrorSamples {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dur(d time.Duration) string {
	switch {
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.1fµs", float64(d)/1e3)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func human(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", n/(1<<10))
	}
	return fmt.Sprintf("%.0f B", n)
}

// jsonResult is the JSON form of a Result: durations in microseconds.
type jsonResult struct {
	Protocol       Protocol `json:"protocol"`
	Addr           string   `json:"addr"`
	TLS            TLSMode  `json:"tls"`
	Conns          int      `json:"conns"`
	Sessions       int      `json:"sessions"`
	WallSeconds    float64  `json:"wall_seconds"`
	Commands       int64    `json:"commands"`
	CommandsPerSec float64  `json:"commands_per_sec"`
	BytesIn        int64    `json:"bytes_in"`
	BytesOut       int64    `json:"bytes_out"`
	BytesPerSec    float64  `json:"bytes_per_sec"`
	Messages       int64    `json:"messages"`
	SessionsOK     int64    `json:"sessions_ok"`
	SessionsFailed int64    `json:"sessions_failed"`
	ProtocolErrors int64    `json:"protocol_errors"`
	IOErrors       int64    `json:"io_errors"`
	ErrorSamples   []string `json:"error_samples,omitempty"`
	Ops            []jsonOp `json:"ops"`
}

type jsonOp struct {
	Name   string  `json:"name"`
	Count  int64   `json:"count"`
	Errors int64   `json:"errors"`
	MeanUS float64 `json:"mean_us"`
	P50US  float64 `json:"p50_us"`
	P90US  float64 `json:"p90_us"`
	P99US  float64 `json:"p99_us"`
	MaxUS  float64 `json:"max_us"`
}

// MarshalJSON gives the result's figures with durations in microseconds.
func (r *Result) MarshalJSON() ([]byte, error) {
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	j := jsonResult{Protocol: r.Protocol, Addr: r.Addr, TLS: r.TLS, Conns: r.Conns, Sessions: r.Sessions,
		WallSeconds: r.Wall.Seconds(), Commands: r.Commands, CommandsPerSec: r.CommandsPerSec(),
		BytesIn: r.BytesIn, BytesOut: r.BytesOut, BytesPerSec: r.BytesPerSec(), Messages: r.Messages,
		SessionsOK: r.SessionsOK, SessionsFailed: r.SessionsFailed, ProtocolErrors: r.ProtocolErrors,
		IOErrors: r.IOErrors, ErrorSamples: r.ErrorSamples, Ops: []jsonOp{}}
	for _, o := range r.Ops {
		h := o.Hist
		j.Ops = append(j.Ops, jsonOp{Name: o.Name, Count: o.Count, Errors: o.Errors, MeanUS: us(h.Mean()),
			P50US: us(h.Percentile(50)), P90US: us(h.Percentile(90)), P99US: us(h.Percentile(99)), MaxUS: us(h.Max())})
	}
	return json.Marshal(j)
}
