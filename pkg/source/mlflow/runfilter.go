package mlflow

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunFilterBytes bounds the run filters ValidateRunFilter reads.
const MaxRunFilterBytes = 64 << 10

// ValidateRunFilter checks a runFilter against MLflow's search filter grammar for runs (MLflow's
// docs "Search Runs" and mlflow.utils.search_utils.SearchUtils), so the query editor can name a
// mistake before MLflow refuses the search:
//
//	filter     = clause { AND clause }            (no OR, no parentheses)
//	clause     = identifier comparator value
//	identifier = entity "." key                   (key bare, "quoted" or `quoted`)
//	entity     = metric(s) | param(s) | parameter(s) | tag(s) | attribute(s) | attr | run | dataset(s)
//	comparator = = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN | IS NULL | IS NOT NULL
//	value      = number | 'string' | "string" | ( value, ... )
//
// Metrics compare with numbers only; params and tags with strings only. It accepts what MLflow
// might accept (attribute names and their comparators are left to MLflow, whose list grows between
// versions); whatever it rejects, MLflow rejects too. The empty filter is valid.
func ValidateRunFilter(filter string) error {
	if len(filter) > MaxRunFilterBytes {
		return fmt.Errorf("the filter is longer than %d bytes", MaxRunFilterBytes)
	}
	if !utf8.ValidString(filter) {
		return fmt.Errorf("the filter is not valid UTF-8")
	}
	toks, err := lexFilter(filter)
	if err != nil {
		return err
	}
	p := filterParser{toks: toks}
	for n := 1; p.more(); n++ {
		if err := p.clause(); err != nil {
			return fmt.Errorf("clause %d: %w", n, err)
		}
		if !p.more() {
			break
		}
		t := p.next()
		switch {
		case t.isWord("and"):
			if !p.more() {
				return fmt.Errorf("the filter ends with AND: a clause must follow it")
			}
		case t.isWord("or"):
			return fmt.Errorf("OR is not supported by MLflow search filters: join clauses with AND")
		default:
			return fmt.Errorf("after clause %d: expected AND, found %s", n, t)
		}
	}
	return nil
}

type tokKind int

const (
	tokWord   tokKind = iota // bare word: identifier, keyword, number
	tokString                // 'single' or "double" quoted
	tokBacktick
	tokOp    // = != < <= > >= and the SQL spelling <>
	tokPunct // ( ) ,
)

type filterTok struct {
	kind tokKind
	text string // unquoted content for strings
	pos  int    // byte offset, for messages
}

func (t filterTok) isWord(w string) bool { return t.kind == tokWord && strings.EqualFold(t.text, w) }

func (t filterTok) String() string {
	switch t.kind {
	case tokString:
		return fmt.Sprintf("the string %q at position %d", t.text, t.pos+1)
	case tokBacktick:
		return fmt.Sprintf("`%s` at position %d", t.text, t.pos+1)
	}
	return fmt.Sprintf("%q at position %d", t.text, t.pos+1)
}

// lexFilter splits a filter into tokens. An identifier with a quoted key (metrics."a b",
// tags.`x-y`) is one word token holding the entity, a dot and the unquoted key.
func lexFilter(s string) ([]filterTok, error) {
	var out []filterTok
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"' || c == '`':
			text, end, err := quoted(s, i)
			if err != nil {
				return nil, err
			}
			kind := tokString
			if c == '`' {
				kind = tokBacktick
			}
			// a quoted key glued to "entity." belongs to the identifier before it
			if n := len(out); n > 0 && out[n-1].kind == tokWord && strings.HasSuffix(out[n-1].text, ".") && out[n-1].pos+len(out[n-1].text) == i {
				out[n-1].text += text
				out[n-1].kind = tokWord
				i = end
				continue
			}
			out = append(out, filterTok{kind: kind, text: text, pos: i})
			i = end
		case c == '(' || c == ')' || c == ',':
			out = append(out, filterTok{kind: tokPunct, text: string(c), pos: i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, fmt.Errorf("position %d: '!' must be followed by '=' (!=)", i+1)
			}
			out = append(out, filterTok{kind: tokOp, text: op, pos: i})
			i = j
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !wordRune(r) {
				return nil, fmt.Errorf("position %d: unexpected character %q", i+1, r)
			}
			j := i + size
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !wordRune(r) {
					break
				}
				j += size
			}
			out = append(out, filterTok{kind: tokWord, text: s[i:j], pos: i})
			i = j
		}
	}
	return out, nil
}

// wordRune reports whether r may appear in a bare word: letters, digits, _ . + - (numbers such
// as 1e-3 and -0.5) and : / (bare keys such as tags.mlflow.source.name are common).
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_.+-:/", r)
}

// quoted reads the quoted text starting at s[i] (the quote) and returns its content and the index
// after the closing quote. A quote is escaped by doubling it ('it”s'), or by a backslash.
func quoted(s string, i int) (string, int, error) {
	q := s[i]
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\' && j+1 < len(s):
			b.WriteByte(s[j+1])
			j++
		case c == q && j+1 < len(s) && s[j+1] == q:
			b.WriteByte(q)
			j++
		case c == q:
			return b.String(), j + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("position %d: the quote %c is never closed", i+1, q)
}

type filterParser struct {
	toks []filterTok
	i    int
}

func (p *filterParser) more() bool { return p.i < len(p.toks) }

func (p *filterParser) next() filterTok {
	t := p.toks[p.i]
	p.i++
	return t
}

func (p *filterParser) peekWord(w string) bool { return p.more() && p.toks[p.i].isWord(w) }

// entity kinds of an identifier.
const (
	entMetric = "metric"
	entParam  = "param"
	entTag    = "tag"
	entAttr   = "attribute"
	entData   = "dataset"
)

var entities = map[string]string{
	"metric": entMetric, "metrics": entMetric,
	"param": entParam, "params": entParam, "parameter": entParam, "parameters": entParam,
	"tag": entTag, "tags": entTag,
	"attribute": entAttr, "attributes": entAttr, "attr": entAttr, "run": entAttr,
	"dataset": entData, "datasets": entData,
}

func (p *filterParser) clause() error {
	t := p.next()
	if t.kind != tokWord {
		return fmt.Errorf("expected an identifier such as metrics.accuracy or params.model_type, found %s", t)
	}
	if t.isWord("or") || t.isWord("and") {
		return fmt.Errorf("expected an identifier, found %s", t)
	}
	prefix, key, ok := strings.Cut(t.text, ".")
	if !ok || key == "" {
		return fmt.Errorf("identifier %q: write entity.key, e.g. metrics.%s, params.%s, tags.%s or attributes.status", t.text, t.text, t.text, t.text)
	}
	ent, known := entities[strings.ToLower(prefix)]
	if !known {
		return fmt.Errorf("identifier %q: unknown entity %q (use metrics, params, tags, attributes or datasets)", t.text, prefix)
	}
	if !p.more() {
		return fmt.Errorf("%q has no comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)", t.text)
	}
	op := p.next()
	var cmp string
	switch {
	case op.kind == tokOp:
		cmp = op.text
		if cmp == "<>" {
			return fmt.Errorf("%s: MLflow spells not-equal as !=", op)
		}
	case op.isWord("like"), op.isWord("ilike"), op.isWord("in"):
		cmp = strings.ToUpper(op.text)
	case op.isWord("not"):
		if !p.peekWord("in") {
			return fmt.Errorf("%s: NOT is only allowed in NOT IN", op)
		}
		p.next()
		cmp = "NOT IN"
	case op.isWord("is"):
		if p.peekWord("not") {
			p.next()
		}
		if !p.peekWord("null") {
			return fmt.Errorf("%s: expected IS NULL or IS NOT NULL", op)
		}
		p.next()
		if ent == entMetric {
			return fmt.Errorf("%q: metrics cannot be compared with IS NULL", t.text)
		}
		return nil
	default:
		return fmt.Errorf("after %q: expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL), found %s", t.text, op)
	}
	if ent == entMetric && (cmp == "LIKE" || cmp == "ILIKE" || cmp == "IN" || cmp == "NOT IN") {
		return fmt.Errorf("%q: metrics compare with =, !=, <, <=, > or >= only, not %s", t.text, cmp)
	}
	if cmp == "IN" || cmp == "NOT IN" {
		return p.list(t.text)
	}
	if !p.more() {
		return fmt.Errorf("%q %s has no value", t.text, cmp)
	}
	v := p.next()
	switch {
	case v.kind == tokString:
		if ent == entMetric {
			return fmt.Errorf("%q: a metric compares with a number, not the string %q", t.text, v.text)
		}
	case v.kind == tokWord && isFilterNumber(v.text):
		if ent == entParam || ent == entTag || ent == entData {
			return fmt.Errorf("%q: params, tags and datasets compare with quoted strings: write '%s'", t.text, v.text)
		}
	default:
		return fmt.Errorf("%q %s: expected a number or a quoted string, found %s", t.text, cmp, v)
	}
	return nil
}

// list reads ( value, ... ) after IN or NOT IN.
func (p *filterParser) list(ident string) error {
	if !p.more() || p.toks[p.i].text != "(" || p.toks[p.i].kind != tokPunct {
		return fmt.Errorf("%q IN: expected a list in parentheses, e.g. ('a', 'b')", ident)
	}
	p.next()
	for {
		if !p.more() {
			return fmt.Errorf("%q IN: the list is never closed with )", ident)
		}
		v := p.next()
		if v.kind != tokString && (v.kind != tokWord || !isFilterNumber(v.text)) {
			return fmt.Errorf("%q IN: expected a quoted string, found %s", ident, v)
		}
		if !p.more() {
			return fmt.Errorf("%q IN: the list is never closed with )", ident)
		}
		sep := p.next()
		if sep.kind == tokPunct && sep.text == ")" {
			return nil
		}
		if sep.kind != tokPunct || sep.text != "," {
			return fmt.Errorf("%q IN: expected , or ), found %s", ident, sep)
		}
	}
}

func isFilterNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && !strings.ContainsAny(strings.ToLower(s), "naif") // no NaN, Inf, hex floats
}
