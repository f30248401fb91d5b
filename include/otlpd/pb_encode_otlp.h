/* Protobuf encoder specialised for OTLP (collector/codec/pb_encode_*.c).
 *
 * Writes exactly the bytes protobuf_c_message_pack writes for the same
 * message, unknown fields included, in about a third of the instructions:
 * no descriptor walk, every sub-message sized once, written back to front.
 * ResourceSpans, ResourceLogs and the two Export requests that carry them
 * are encoded by hand; any other message goes to protobuf-c. */
#ifndef OTLPD_PB_ENCODE_OTLP_H
#define OTLPD_PB_ENCODE_OTLP_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* The encoded size of m, as protobuf_c_message_get_packed_size. */
size_t otlpd_pb_otlp_size(const ProtobufCMessage *m);
/* Writes m, whose otlpd_pb_otlp_size is size, into out (size bytes).
 * m must not change in between. Returns size; 0 means the two passes
 * disagreed (a bug: callers fail the encode rather than send it). */
size_t otlpd_pb_otlp_pack(const ProtobufCMessage *m, size_t size, uint8_t *out);

#endif
