package transcripts

import (
	"html/template"
	"io"
	"strings"
	"sync"

	"mailsim/internal/textsafe"
)

// HTML writes the handout as one self-contained page (inline CSS; no
// scripts, fonts, images or links outside it) that reads on a screen and
// prints on A4 or Letter: light, or dark when the reader's system is;
// wire lines wrapped with a continuation mark rather than cut off; page
// breaks between steps, not inside a short one. Control characters from
// the wire or the file show as themselves (textsafe.Visible), as in every
// text export.
func HTML(w io.Writer, t *Transcript, o ExportOptions) error {
	var b strings.Builder
	if err := htmlPage().Execute(&b, buildHandout(t, o)); err != nil {
		return err
	}
	_, err := io.WriteString(w, textsafe.Visible(b.String()))
	return err
}

// htmlPage is parsed when the first handout is written, not when the
// program starts (it takes milliseconds).
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.L.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}}</title>
<style>
:root { --bg: #fff; --fg: #1a1a1a; --muted: #555; --rule: #ccc; --box: #f5f5f2; --head: #eaeae4;
  --pop3: #8a5200; --imap: #006778; --smtp: #9c1f7c; --good: #1b6e1b; --bad: #b00020;
  --add: #e3f3e3; --del: #fae6e6; --chg: #fff1c2; --answer: #888; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #1c1c1c; --fg: #e4e4e4; --muted: #9a9a9a; --rule: #444; --box: #111; --head: #2a2a2a;
    --pop3: #ffb000; --imap: #00d7d7; --smtp: #ff5fd7; --good: #5fd75f; --bad: #ff6f6f;
    --add: #17331b; --del: #3b1d1d; --chg: #3a3315; --answer: #777; }
}
* { box-sizing: border-box; }
body { background: var(--bg); color: var(--fg); font: 16px/1.5 "DejaVu Sans", "Noto Sans", system-ui, sans-serif;
  max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; padding-top: .75rem; border-top: 1px solid var(--rule); }
.about { color: var(--muted); font-style: italic; margin-top: 0; }
.shows li { margin: .2rem 0; }
.toc ol { padding-left: 2.2rem; margin: 0; }
@media (min-width: 56rem) { .toc ol { columns: 2; column-gap: 2rem; } }
.toc li { margin: .05rem 0; }
.toc a { color: inherit; }
.say { max-width: 48rem; margin: .4rem 0; }
.wire { background: var(--box); border: 1px solid var(--rule); border-radius: 4px; padding: .4rem .7rem; margin: .6rem 0;
  font: 13px/1.35 "DejaVu Sans Mono", "Noto Sans Mono", ui-monospace, Menlo, monospace; }
.ln { display: flex; }
.who { flex: 0 0 auto; min-width: 12ch; padding-right: 1ch; white-space: pre; }
.txt { flex: 1 1 0; min-width: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { margin: 0 0 .15rem 12ch; color: var(--muted); font: 12px/1.35 "DejaVu Sans", "Noto Sans", system-ui, sans-serif; }
.pop3 { color: var(--pop3); }
.imap { color: var(--imap); }
.smtp { color: var(--smtp); }
.event { color: var(--muted); }
.good { color: var(--good); }
.bad { color: var(--bad); font-weight: bold; }
.legend span { margin-right: 1.5rem; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; margin: .4rem 0 1rem; font-size: 13px; line-height: 1.3; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
caption small { font-weight: normal; color: var(--muted); margin-left: 1rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .15rem .4rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--head); }
tr.group th { background: var(--box); font-weight: 600; }
col.mark { width: 1.6rem; } col.uid { width: 3rem; } col.from { width: 27%; } col.size { width: 4.5rem; } col.flags { width: 25%; }
tr.added td { background: var(--add); }
tr.removed td { background: var(--del); text-decoration: line-through; }
td.changed { background: var(--chg); font-weight: 600; }
td.mark { font-weight: bold; text-align: center; }
.quiz { border: 2px solid var(--rule); border-radius: 6px; padding: .5rem .9rem; margin: .8rem 0; }
.quiz .q { font-weight: 600; margin: .2rem 0 .4rem; }
.quiz ol { margin: .2rem 0 .4rem; }
.quiz li.correct { font-weight: 600; }
.quiz li.correct::after { content: " ✓"; color: var(--good); }
.answer-box { border: 1px dashed var(--answer); border-radius: 4px; min-height: 6.5rem; margin: .3rem 0 .5rem; }
.hint { color: var(--muted); font-style: italic; font-size: .9em; margin: .2rem 0; }
.terms dt { font-weight: 600; margin-top: .5rem; }
.terms dt small { font-weight: normal; color: var(--muted); margin-left: .5rem; }
.terms dd { margin: 0 0 0 1.5rem; }
.terms code, .key code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: .9em; overflow-wrap: anywhere; }
.key li { margin: .35rem 0; }
@page { margin: 14mm 14mm 16mm;{{with .Paper}} size: {{.}};{{end}} }
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #444; --rule: #bbb; --box: #f4f4f1; --head: #e8e8e2;
    --pop3: #7a4800; --imap: #005a69; --smtp: #8a1a6d; --good: #17611a; --bad: #a0001c;
    --add: #e3f3e3; --del: #fae6e6; --chg: #fff1c2; --answer: #777; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; line-height: 1.4; }
  h1 { font-size: 15pt; }
  h2 { font-size: 11.5pt; margin-top: 1rem; break-after: avoid; }
  .wire { font-size: 8pt; line-height: 1.3; border-radius: 0; }
  .note { font-size: 7.5pt; }
  table { font-size: 8pt; }
  .ln, .note, tr, .quiz, .terms dt, .terms dd, table.diff { break-inside: avoid; }
  caption, thead, tr.group { break-after: avoid; }
  section.keep { break-inside: avoid; }
  .student section.after-quiz { break-before: page; }
  .toc ol { columns: 2; column-gap: 2rem; }
  .toc a, .key a { text-decoration: none; }
  .toc, .shows { break-inside: avoid; }
}
</style>
</head>
<body class="{{if .Student}}student{{else}}trainer{{end}}">
<header>
<h1>{{.Title}}</h1>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}
<p class="about">{{.About}} · {{.CopyLabel}}</p>
</header>
{{if .Shows}}<section class="shows">
<h2>{{.L.Shows}}</h2>
<ul>{{range .Shows}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}<nav class="toc">
<h2>{{.L.Contents}}</h2>
<ol>{{range .Steps}}<li><a href="#{{.ID}}">{{.Short}}</a></li>
{{end}}</ol>
</nav>
<p class="legend"><span class="pop3">■ POP3</span><span class="imap">■ IMAP</span><span class="smtp">■ SMTP</span></p>
{{with .Start}}<section class="keep"><h2>{{$.L.AtStart}}</h2>{{template "table" .}}</section>{{end}}
{{range .Steps}}<section id="{{.ID}}" class="step{{if .Keep}} keep{{end}}{{if .AfterQuiz}} after-quiz{{end}}">
<h2>{{.Head}}</h2>
{{range .Say}}<p class="say">{{.}}</p>
{{end}}{{if .Lines}}<div class="wire">
{{range .Lines}}<div class="ln {{.Class}}"><span class="who">{{.Who}}</span><span class="txt">{{range $i, $p := .Text}}{{if $i}}
{{end}}{{$p}}{{end}}</span></div>
{{range .Notes}}<div class="note">{{.}}</div>
{{end}}{{end}}</div>
{{end}}{{with .Diff}}{{template "table" .}}{{end}}{{with .Quiz}}<div class="quiz">
<p class="q">? {{.Question}}</p>
{{if $.Student}}<p>{{$.L.YourAnswer}}</p>
<div class="answer-box"></div>
<p class="hint">{{$.L.AnswerFirst}}</p>
{{else}}<ol type="a">{{range .Choices}}<li{{if .Correct}} class="correct"{{end}}>{{.Text}}</li>{{end}}</ol>
{{if .Explain}}<p><strong>{{$.L.Explanation}}</strong> {{.Explain}}</p>{{end}}
{{range .Answers}}<p class="hint">{{.}}</p>{{end}}
{{end}}</div>
{{end}}{{with .State}}{{template "table" .}}{{end}}</section>
{{end}}{{if .Result}}<p><strong>{{.L.Result}}</strong> {{.Result}}</p>{{end}}
{{with .End}}<section class="keep"><h2>{{$.L.AtEnd}}</h2>{{template "table" .}}</section>{{end}}
{{if .Key}}<section class="key">
<h2>{{.L.AnswerKey}}</h2>
<ol>{{range .Key}}<li><a href="#{{.ID}}">{{.Step}}</a>: {{.Question}}<br><strong>{{$.L.Answer}} {{.Answer}}</strong>{{if .Explain}} — {{.Explain}}{{end}}</li>
{{end}}</ol>
</section>
{{end}}{{if .Terms}}<section class="terms">
<h2>{{.L.Glossary}}</h2>
<dl>{{range .Terms}}<dt>{{.Term}}<small>{{.Ref}}</small></dt><dd><code>{{.Example}}</code>: {{.Text}}</dd>
{{end}}</dl>
</section>
{{end}}</body>
</html>
{{define "table"}}<table{{if .Diff}} class="diff"{{end}}>
{{if .Diff}}<caption>{{$.Caption}}<small>{{$.Legend}}</small></caption>
{{end}}<colgroup>{{if .Diff}}<col class="mark">{{end}}<col class="uid"><col class="from"><col class="subject"><col class="size"><col class="flags"></colgroup>
<thead><tr>{{if .Diff}}<th></th>{{end}}{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}{{if .First}}<tr class="group"><th colspan="{{$.Cols}}">{{.Where}}</th></tr>
{{end}}<tr{{with .Class}} class="{{.}}"{{end}}>{{if $.Diff}}<td class="mark">{{.Mark}}</td>{{end}}{{$r := .}}{{range $i, $c := .Cells}}<td{{if $r.Cell $i}} class="changed"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}`))
})
