/* Protobuf encoding of decoded messages, the same bytes as
 * protobuf_c_message_pack in one sizing pass instead of one per nesting
 * level (pb_pack.c). */
#ifndef OTLPD_CODEC_PB_PACK_H
#define OTLPD_CODEC_PB_PACK_H

#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "otlpd/buf.h"

/* Append m's encoding to out; with field != 0, as that length-delimited
 * field (tag and length first). 0 or -ENOMEM. */
int otlpd_pb_pack(const ProtobufCMessage *m, uint32_t field, otlpd_buf *out);

#endif
