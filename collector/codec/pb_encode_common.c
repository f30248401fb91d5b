/* OTLP encoder, the messages every signal shares: AnyValue and its
 * containers, KeyValue, InstrumentationScope, Resource, EntityRef, and
 * unknown fields. Sizes and back-to-front writes mirror each other field
 * for field; protobuf-c's rules: proto3 zero values are not written, a
 * oneof member is written whenever it is the set case (except a NULL
 * string or message), repeated elements always (a NULL one as empty). */
#include "pb_wire_back.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue any_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue key_value;
typedef Opentelemetry__Proto__Common__V1__EntityRef entity_ref;

size_t otlpd_pbw_unknown_size(const ProtobufCMessage *m) {
  size_t n = 0;
  for (size_t i = 0; i < m->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
    n += pbw_varint_size((uint64_t)u->tag << 3) + u->len;
  }
  return n;
}

uint8_t *otlpd_pbw_unknown(uint8_t *p, const ProtobufCMessage *m) {
  for (size_t i = m->n_unknown_fields; i-- > 0;) {
    const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
    p = pbw_raw(p, u->data, u->len);
    p = pbw_varint(p, ((uint64_t)u->tag << 3) | (uint64_t)u->wire_type);
  }
  return p;
}

static size_t kv_size(const key_value *kv) {
  if (!kv) return 0;
  size_t n = pbw_str_size(kv->key);
  if (kv->value) n += pbw_len_field(otlpd_pbw_any_size(kv->value));
  return n + otlpd_pbw_unknown_size(&kv->base);
}

static uint8_t *kv_write(uint8_t *p, const key_value *kv) {
  if (!kv) return p;
  p = otlpd_pbw_unknown(p, &kv->base);
  if (kv->value) {
    uint8_t *end = p;
    p = pbw_frame(otlpd_pbw_any(p, kv->value), end, PBW_TAG(2, PBW_LEN));
  }
  return pbw_str(p, PBW_TAG(1, PBW_LEN), kv->key);
}

size_t otlpd_pbw_attrs_size(key_value *const *kv, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += pbw_len_field(kv_size(kv[i]));
  return total;
}

uint8_t *otlpd_pbw_attrs(uint8_t *p, uint8_t tag, key_value *const *kv, size_t n) {
  for (size_t i = n; i-- > 0;) {
    uint8_t *end = p;
    p = pbw_frame(kv_write(p, kv[i]), end, tag);
  }
  return p;
}

/* ArrayValue and KeyValueList: one repeated field 1 and unknown fields. */
static size_t values_size(const Opentelemetry__Proto__Common__V1__ArrayValue *a) {
  if (!a) return 0;
  size_t n = otlpd_pbw_unknown_size(&a->base);
  for (size_t i = 0; i < a->n_values; i++) n += pbw_len_field(otlpd_pbw_any_size(a->values[i]));
  return n;
}

static uint8_t *values_write(uint8_t *p, const Opentelemetry__Proto__Common__V1__ArrayValue *a) {
  if (!a) return p;
  p = otlpd_pbw_unknown(p, &a->base);
  for (size_t i = a->n_values; i-- > 0;) {
    uint8_t *end = p;
    p = pbw_frame(otlpd_pbw_any(p, a->values[i]), end, PBW_TAG(1, PBW_LEN));
  }
  return p;
}

static size_t kvlist_size(const Opentelemetry__Proto__Common__V1__KeyValueList *l) {
  return otlpd_pbw_attrs_size(l->values, l->n_values) + otlpd_pbw_unknown_size(&l->base);
}

static uint8_t *kvlist_write(uint8_t *p, const Opentelemetry__Proto__Common__V1__KeyValueList *l) {
  p = otlpd_pbw_unknown(p, &l->base);
  return otlpd_pbw_attrs(p, PBW_TAG(1, PBW_LEN), l->values, l->n_values);
}

/* protobuf-c's oneof rule: a string or message member equal to NULL or to
 * the field's default (for strings, the address of protobuf_c_empty_string)
 * is not written. */
static int any_str_set(const char *s) { return s && s != (const char *)&protobuf_c_empty_string; }

static size_t any_case_size(const any_value *v) {
  switch (v->value_case) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
    return any_str_set(v->string_value) ? pbw_len_field(strlen(v->string_value)) : 0;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE: return 2;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
    return 1 + pbw_varint_size((uint64_t)v->int_value);
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: return 9;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    return v->array_value ? pbw_len_field(values_size(v->array_value)) : 0;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
    return v->kvlist_value ? pbw_len_field(kvlist_size(v->kvlist_value)) : 0;
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
    return pbw_len_field(v->bytes_value.len);
  default: return 0;
  }
}

size_t otlpd_pbw_any_size(const any_value *v) {
  return v ? any_case_size(v) + otlpd_pbw_unknown_size(&v->base) : 0;
}

static uint8_t *any_case_write(uint8_t *p, const any_value *v) {
  uint8_t *end = p;
  switch (v->value_case) {
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
    if (!any_str_set(v->string_value)) return p;
    return pbw_len_bytes(p, PBW_TAG(1, PBW_LEN), v->string_value, strlen(v->string_value));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
    p = pbw_byte(p, v->bool_value ? 1 : 0);
    return pbw_byte(p, PBW_TAG(2, PBW_VARINT));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
    return pbw_byte(pbw_varint(p, (uint64_t)v->int_value), PBW_TAG(3, PBW_VARINT));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: {
    uint64_t bits;
    memcpy(&bits, &v->double_value, 8);
    p -= 8;
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(bits >> (8 * i));
    return pbw_byte(p, PBW_TAG(4, PBW_I64));
  }
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
    if (!v->array_value) return p;
    return pbw_frame(values_write(p, v->array_value), end, PBW_TAG(5, PBW_LEN));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
    if (!v->kvlist_value) return p;
    return pbw_frame(kvlist_write(p, v->kvlist_value), end, PBW_TAG(6, PBW_LEN));
  case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
    return pbw_len_bytes(p, PBW_TAG(7, PBW_LEN), v->bytes_value.data, v->bytes_value.len);
  default: return p;
  }
}

uint8_t *otlpd_pbw_any(uint8_t *p, const any_value *v) {
  if (!v) return p;
  return any_case_write(otlpd_pbw_unknown(p, &v->base), v);
}

size_t otlpd_pbw_scope_size(const Opentelemetry__Proto__Common__V1__InstrumentationScope *s) {
  return pbw_str_size(s->name) + pbw_str_size(s->version) +
         otlpd_pbw_attrs_size(s->attributes, s->n_attributes) +
         pbw_u32_size(s->dropped_attributes_count) + otlpd_pbw_unknown_size(&s->base);
}

uint8_t *otlpd_pbw_scope(uint8_t *p, const Opentelemetry__Proto__Common__V1__InstrumentationScope *s) {
  p = otlpd_pbw_unknown(p, &s->base);
  p = pbw_u32(p, PBW_TAG(4, PBW_VARINT), s->dropped_attributes_count);
  p = otlpd_pbw_attrs(p, PBW_TAG(3, PBW_LEN), s->attributes, s->n_attributes);
  p = pbw_str(p, PBW_TAG(2, PBW_LEN), s->version);
  return pbw_str(p, PBW_TAG(1, PBW_LEN), s->name);
}

/* Repeated string: every element written, NULL as "". */
static size_t strs_size(char *const *s, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += pbw_len_field(s[i] ? strlen(s[i]) : 0);
  return total;
}

static uint8_t *strs_write(uint8_t *p, uint8_t tag, char *const *s, size_t n) {
  for (size_t i = n; i-- > 0;) p = pbw_len_bytes(p, tag, s[i], s[i] ? strlen(s[i]) : 0);
  return p;
}

static size_t entity_size(const entity_ref *e) {
  if (!e) return 0;
  return pbw_str_size(e->schema_url) + pbw_str_size(e->type) + strs_size(e->id_keys, e->n_id_keys) +
         strs_size(e->description_keys, e->n_description_keys) + otlpd_pbw_unknown_size(&e->base);
}

static uint8_t *entity_write(uint8_t *p, const entity_ref *e) {
  if (!e) return p;
  p = otlpd_pbw_unknown(p, &e->base);
  p = strs_write(p, PBW_TAG(4, PBW_LEN), e->description_keys, e->n_description_keys);
  p = strs_write(p, PBW_TAG(3, PBW_LEN), e->id_keys, e->n_id_keys);
  p = pbw_str(p, PBW_TAG(2, PBW_LEN), e->type);
  return pbw_str(p, PBW_TAG(1, PBW_LEN), e->schema_url);
}

size_t otlpd_pbw_resource_size(const Opentelemetry__Proto__Resource__V1__Resource *r) {
  size_t n = otlpd_pbw_attrs_size(r->attributes, r->n_attributes) + pbw_u32_size(r->dropped_attributes_count);
  for (size_t i = 0; i < r->n_entity_refs; i++) n += pbw_len_field(entity_size(r->entity_refs[i]));
  return n + otlpd_pbw_unknown_size(&r->base);
}

uint8_t *otlpd_pbw_resource(uint8_t *p, const Opentelemetry__Proto__Resource__V1__Resource *r) {
  p = otlpd_pbw_unknown(p, &r->base);
  for (size_t i = r->n_entity_refs; i-- > 0;) {
    uint8_t *end = p;
    p = pbw_frame(entity_write(p, r->entity_refs[i]), end, PBW_TAG(3, PBW_LEN));
  }
  p = pbw_u32(p, PBW_TAG(2, PBW_VARINT), r->dropped_attributes_count);
  return otlpd_pbw_attrs(p, PBW_TAG(1, PBW_LEN), r->attributes, r->n_attributes);
}
