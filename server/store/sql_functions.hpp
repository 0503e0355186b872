// SQL functions the store's queries call, registered on every connection the store opens
// (sqlite_db.cpp open_connection), reader and writer alike:
//   mailjar_header_match(headers_json, name, folded_value) -> 1/0
//     1 when the message has a header field called `name` (ASCII case-insensitive) whose
//     value, search::fold_clean'ed, contains `folded_value` ("" = the field is present).
// Deterministic and pure; safe on any connection. A plain sqlite3 shell cannot run queries that
// use them, but nothing in the schema (triggers, indexes) does.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "core/result.hpp"

namespace mailjar::store {

status register_sql_functions(sqlite3* db);

// The function's logic, for tests.
bool header_matches(std::string_view headers_json, std::string_view name, std::string_view folded_value);

}  // namespace mailjar::store
