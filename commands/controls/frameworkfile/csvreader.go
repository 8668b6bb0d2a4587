package frameworkfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode"
)

// csvReader reads RFC 4180 records the way encoding/csv does with TrimLeadingSpace
// (quotes doubled inside quoted values, \r\n read as \n, empty lines skipped, leading
// white space of a value dropped), but keeps only what an import can use: the first
// maxFields values of a record, each cut to maxFieldBytes. encoding/csv keeps every
// field of a record whole, which lets a 1 MiB line of commas cost tens of megabytes.
type csvReader struct {
	r             *bufio.Reader
	maxFields     int
	maxFieldBytes int
	// line is the number of the last line read.
	line int
	raw  []byte
}

// csvRecord is one record: its first values, how many it has in all, and the line
// it starts on.
type csvRecord struct {
	fields []csvField
	count  int
	line   int
}

// csvField is a value, cut to the reader's limit when long is set.
type csvField struct {
	value string
	long  bool
}

// csvSyntax is a record the reader gave up on.
type csvSyntax struct {
	startLine, line int
	err             error
	// unclosed marks a quoted value still open at the end of the file.
	unclosed bool
}

func (e *csvSyntax) Error() string { return e.err.Error() }

var (
	errCSVQuote     = errors.New(`extraneous or missing " in quoted-field`)
	errCSVBareQuote = errors.New(`bare " in non-quoted-field`)
)

func newCSVReader(r io.Reader, maxFields, maxFieldBytes int) *csvReader {
	return &csvReader{r: bufio.NewReader(r), maxFields: maxFields, maxFieldBytes: maxFieldBytes}
}

// readLine returns the next line with its \n (\r\n turned into \n), or what is left
// at the end of the input. A line is bounded by the input, which Parse bounds.
func (c *csvReader) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		c.raw = append(c.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = c.r.ReadSlice('\n')
			c.raw = append(c.raw, line...)
		}
		line = c.raw
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		// A \r just before the end of the input is a line ending missing its \n.
		if line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	}
	c.line++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// read returns the next record, io.EOF at the end, or a *csvSyntax.
func (c *csvReader) read() (csvRecord, error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = c.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			continue // an empty line
		}
		break
	}
	if errRead == io.EOF {
		return csvRecord{}, io.EOF
	}
	rec := csvRecord{line: c.line}
	var field []byte
	long := false
	// keep appends to the value being read, up to the limit.
	keep := func(b []byte) {
		if room := c.maxFieldBytes - len(field); len(b) > room {
			b, long = b[:max(room, 0)], true
		}
		field = append(field, b...)
	}
	end := func() {
		if rec.count < c.maxFields {
			rec.fields = append(rec.fields, csvField{value: string(field), long: long})
		}
		rec.count++
		field, long = field[:0], false
	}
	syntax := func(err error, at int) error {
		return &csvSyntax{startLine: rec.line, line: at, err: err}
	}

	for {
		if i := bytes.IndexFunc(line, func(r rune) bool { return !unicode.IsSpace(r) }); i < 0 {
			line = line[len(line):]
		} else {
			line = line[i:]
		}
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			value := line
			if i >= 0 {
				value = value[:i]
			} else {
				value = value[:len(value)-lengthNL(value)]
			}
			if bytes.IndexByte(value, '"') >= 0 {
				return csvRecord{}, syntax(errCSVBareQuote, c.line)
			}
			keep(value)
			end()
			if i >= 0 {
				line = line[i+1:]
				continue
			}
			break
		}
		// A quoted value, which may span lines.
		line = line[1:]
		closed := false
		for !closed {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				keep(line[:i])
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					keep(line[:1])
					line = line[1:]
				case len(line) > 0 && line[0] == ',':
					line = line[1:]
					end()
					closed = true
				case lengthNL(line) == len(line):
					end()
					return rec, nil
				default:
					return csvRecord{}, syntax(errCSVQuote, c.line)
				}
			case len(line) > 0:
				keep(line)
				if errRead != nil {
					return csvRecord{}, errRead
				}
				line, errRead = c.readLine()
				if errRead == io.EOF {
					errRead = nil
				}
			default:
				if errRead != nil {
					return csvRecord{}, errRead
				}
				e := syntax(errCSVQuote, c.line).(*csvSyntax)
				e.unclosed = true
				return csvRecord{}, e
			}
		}
	}
	if errRead != nil {
		return csvRecord{}, errRead
	}
	return rec, nil
}
