#include "store/delivery_schema.hpp"

#include "store/sqlite_db.hpp"

namespace mailjar::store {

namespace {

// Deliveries are kept apart from messages (no foreign key): deleting a message neither blocks
// on nor cancels its queued deliveries, and the outbound bytes live in `data`, so a retry sends
// exactly what the first attempt sent.
constexpr const char* k_schema_v4 = R"sql(
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  message_uid TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  mode TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  via_json TEXT,
  data BLOB NOT NULL
);
CREATE INDEX deliveries_by_message ON deliveries(message_uid, id);
CREATE TABLE delivery_recipients (
  delivery INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  address TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_reply TEXT NOT NULL DEFAULT '',
  next_attempt_ms INTEGER,
  PRIMARY KEY (delivery, seq)
) WITHOUT ROWID;
CREATE INDEX delivery_recipients_due ON delivery_recipients(next_attempt_ms)
  WHERE state IN ('pending', 'deferred');
CREATE INDEX delivery_recipients_in_flight ON delivery_recipients(delivery) WHERE state = 'in_flight';
CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY,
  delivery INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  time_ms INTEGER NOT NULL,
  host TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  tls TEXT NOT NULL DEFAULT '',
  tls_problem TEXT NOT NULL DEFAULT '',
  connected INTEGER NOT NULL DEFAULT 0,
  recipients_json TEXT NOT NULL DEFAULT '[]',
  transcript_json TEXT NOT NULL DEFAULT '[]',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts(delivery, id);
)sql";

}  // namespace

status migrate_to_v4(sqlite3* db) { return exec(db, k_schema_v4); }

}  // namespace mailjar::store
