// Schema version 4: the release engine's tables (deliveries, delivery_recipients,
// delivery_attempts); see relay/delivery_records.hpp for what they mean. Applied by the
// migration list in schema.cpp, inside its transaction. Call from the thread owning `db`.
#pragma once

#include <sqlite3.h>

#include "core/result.hpp"

namespace mailjar::store {

status migrate_to_v4(sqlite3* db);

}  // namespace mailjar::store
