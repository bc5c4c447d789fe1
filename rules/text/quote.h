// Shared string quoting for the texts the rules engine writes (PromQL, YAML, Go templates).
#pragma once

#include <string>
#include <string_view>

namespace inferwatch::rules {

// Double-quoted string with Go-style escapes (\" \\ \n \t \r, other control bytes and DEL as
// \xNN; everything else verbatim). The same text is a valid Go string literal (strconv.Quote for
// ASCII), PromQL string literal and YAML double-quoted scalar.
std::string GoQuote(std::string_view text);

// A Prometheus label value as Labels.String() prints it: double-quoted, with only \\, \" and \n
// escaped (tabs and other control bytes stay verbatim).
std::string QuoteLabelValue(std::string_view text);

}  // namespace inferwatch::rules
