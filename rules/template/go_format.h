// Go's fmt formatting for the verbs and types alert templates use, so expanded annotations read
// exactly as Prometheus renders them (e.g. a float64 prints as 1.234567e+06 under %v).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "rules/template/value.h"
#include "rules/text/quote.h"

namespace inferwatch::rules::templating {

// fmt's %v of a float64: shortest round-trip digits, exponent form when exp < -4 || exp >= 6
// (Go prints 1234567.0 as "1.234567e+06").
std::string GoFormatFloat(double value);
// fmt's %.<precision>g of a float64 ("+Inf", "-Inf", "NaN" for the special values).
std::string GoFormatG(double value, int precision);
// fmt.Sprint of one value (%v).
std::string GoFormatValue(const Value& value);
// fmt.Sprintf for %v %s %q %d %f %F %e %E %g %G %x %X %t %% with flags, width and precision;
// mismatches print as Go does ("%!d(string=x)", "%!s(MISSING)", "%!(EXTRA int=1)").
std::string GoSprintf(std::string_view format, std::span<const Value> args);
// strconv.Quote for printable ASCII and common escapes (shared with the PromQL and YAML writers).
using ::inferwatch::rules::GoQuote;

}  // namespace inferwatch::rules::templating
