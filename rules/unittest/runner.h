// Runs rule unit tests written in promtool's test-file format (`promtool test rules`):
// rule_files, evaluation_interval, group_eval_order and tests with interval, input_series,
// alert_rule_test, promql_expr_test, external_labels and external_url. Every group is evaluated
// at each evaluation_interval step from 0 to the largest eval_time, as promtool does.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace inferwatch::rules::unittest {

struct FileOutcome {
  bool passed = false;
  bool io_error = false;  // the test file could not be read
};

// Runs one test file, printing "Unit Testing:  FILE" and SUCCESS or FAILED with each failure
// (expected and got, in promtool's layout) to out.
FileOutcome RunTestFile(const std::string& file, std::ostream& out);

// Runs every file; 0 when all passed, 2 when a file could not be read, else 1.
int RunTestFiles(const std::vector<std::string>& files, std::ostream& out);

}  // namespace inferwatch::rules::unittest
