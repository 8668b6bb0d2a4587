package rest

import "strings"

// CSVCell defuses text a spreadsheet would run as a formula (=, +, - or @ first, or a
// tab or carriage return that some programs skip before looking): exports are opened
// by people, in spreadsheet programs, and their cells hold what users and their
// browsers chose. The cell keeps its text behind a leading apostrophe.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
