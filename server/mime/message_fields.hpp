// Fills the message-level fields of a parsed_message (ids, subject, date, addresses,
// Return-Path, header list in order, tags) from a GMimeMessage. Internal to server/mime.
// Borrows `msg` and `options`; not thread-safe per message (each parse has its own).
#pragma once

#include "mime/gmime_support.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar::mime::detail {

void fill_message_fields(GMimeMessage* msg, GMimeParserOptions* options, parsed_message& out);

}  // namespace mailjar::mime::detail
