/* Copy-on-write editing: an edit through the API is seen by the batch
 * that made it and by nobody else, whatever shares the data (two
 * pipelines over one request, split copies), in both output encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edit_fixtures.h"

static const char *TRACES =
    "{\"resourceSpans\":["
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc0\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"lib\"},\"spans\":["
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":\"a0\"},"
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060709\",\"name\":\"a1\"},"
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"010203040506070a\",\"name\":\"a2\"}]}]},"
    "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc1\"}}]},"
    "\"scopeSpans\":[{\"scope\":{\"name\":\"lib\"},\"spans\":["
    "{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"010203040506070b\",\"name\":\"b0\"}]}]}]}";

static const otlpd_host editor = {.mutates_data = true};

static otlp_span *span(const otlpd_batch *b, size_t i, size_t j, size_t k) {
  return ((otlp_resource_spans *)b->resources[i])->scope_spans[j]->spans[k];
}

/* Set resource attribute 0 of entry i of an editable batch to s. */
static void set_attr0(otlpd_batch *b, size_t i, const char *s) {
  otlp_resource_spans *rs = otlpd_batch_mut_resource(b, i);
  assert_non_null(rs);
  rs->resource->attributes[0]->value->string_value = otlpd_batch_strdup(b, i, s, strlen(s));
}

static bool json_has(const otlpd_batch *b, const char *needle) {
  otlpd_request_view v;
  otlpd_buf out = {0};
  assert_int_equal(otlpd_json_encode(otlpd_batch_view(b, &v), &out), 0);
  assert_int_equal(otlpd_buf_reserve(&out, 1), 0);
  out.data[out.len] = '\0';
  bool has = strstr((char *)out.data, needle) != NULL;
  otlpd_buf_free(&out);
  return has;
}

/* Two pipelines get the same decoded request; one edits. */
static void test_two_pipelines_one_edits(void **state) {
  (void)state;
  otlpd_memacct acct = {0};
  otlpd_payload *p = ef_payload(OTLPD_TRACES, TRACES, true, &acct);
  otlpd_batch *a = otlpd_batch_from_payload(p), *b = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  assert_non_null(a->raw[0].p);

  size_t before = otlpd_memacct_used(&acct);
  otlpd_batch *ea = otlpd_batch_edit(&editor, a);
  set_attr0(ea, 0, "edited");
  assert_true(otlpd_memacct_used(&acct) > before); /* the private copy is charged */

  assert_string_equal(ef_attr(ea, 0, "service.name"), "edited");
  assert_null(ea->raw[0].p);     /* the edited entry is re-encoded */
  assert_non_null(ea->raw[1].p); /* an untouched one keeps the client's bytes */
  /* neither the batch it came from nor the other pipeline sees the edit */
  assert_string_equal(ef_attr(a, 0, "service.name"), "svc0");
  assert_string_equal(ef_attr(b, 0, "service.name"), "svc0");
  assert_non_null(b->raw[0].p);

  /* both encodings agree, per pipeline */
  otlpd_batch *ba = ef_roundtrip_pb(ea), *bb = ef_roundtrip_pb(b);
  assert_string_equal(ef_attr(ba, 0, "service.name"), "edited");
  assert_string_equal(ef_attr(ba, 1, "service.name"), "svc1");
  assert_string_equal(ef_attr(bb, 0, "service.name"), "svc0");
  assert_int_equal(ba->items, 4);
  assert_int_equal(bb->items, 4);
  otlpd_batch_unref(ba);
  otlpd_batch_unref(bb);
  assert_true(json_has(ea, "\"edited\""));
  assert_false(json_has(b, "\"edited\""));
  assert_true(json_has(b, "\"svc0\""));

  otlpd_batch_unref(ea);
  otlpd_batch_unref(a);
  otlpd_batch_unref(b);
  assert_int_equal(otlpd_memacct_used(&acct), 0);
}

/* An entry made private is not cloned again by the same batch; a new
 * editable batch over it clones again (the first may be shared by then). */
static void test_second_mut_does_not_clone(void **state) {
  (void)state;
  otlpd_memacct acct = {0};
  otlpd_payload *p = ef_payload(OTLPD_TRACES, TRACES, true, &acct);
  otlpd_batch *in = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  otlpd_batch *e = otlpd_batch_edit(&editor, in);
  void *first = otlpd_batch_mut_resource(e, 0);
  otlpd_payload *owner = e->owners[0];
  size_t used = otlpd_memacct_used(&acct);
  assert_ptr_equal(otlpd_batch_mut_resource(e, 0), first);
  assert_ptr_equal(otlpd_batch_mut_scopes(e, 0), first);
  assert_ptr_equal(e->owners[0], owner);
  otlp_scope_spans *ss = otlpd_batch_mut_items(e, 0, 0);
  otlp_span **spans = ss->spans;
  assert_ptr_equal(otlpd_batch_mut_items(e, 0, 0), ss);
  assert_ptr_equal(ss->spans, spans); /* items array not cloned twice */
  assert_true(otlpd_memacct_used(&acct) >= used);
  set_attr0(e, 0, "first");

  /* downstream, a second editor works on its own copy */
  otlpd_batch *e2 = otlpd_batch_edit(&editor, e);
  assert_int_equal(e2->mine[0], 0);
  set_attr0(e2, 0, "second");
  assert_ptr_not_equal(e2->resources[0], first);
  assert_string_equal(ef_attr(e, 0, "service.name"), "first");
  assert_string_equal(ef_attr(e2, 0, "service.name"), "second");
  otlpd_batch_unref(e);
  otlpd_batch_unref(e2);
  otlpd_batch_unref(in);
  assert_int_equal(otlpd_memacct_used(&acct), 0);
}

/* Split copies share the Resource, scopes and span arrays of the source. */
static void test_split_copies_do_not_leak(void **state) {
  (void)state;
  otlpd_memacct acct = {0};
  otlpd_payload *p = ef_payload(OTLPD_TRACES, TRACES, true, &acct);
  otlpd_batch *rest = otlpd_batch_from_payload(p);
  otlpd_batch *other = otlpd_batch_from_payload(p); /* another pipeline */
  otlpd_payload_unref(p);
  otlpd_batch *head = otlpd_batch_take(rest, 2); /* cuts resource 0 after a0, a1 */
  assert_int_equal(head->items, 2);
  assert_int_equal(rest->items, 2);

  otlpd_batch *eh = otlpd_batch_edit(&editor, head);
  set_attr0(eh, 0, "head");
  otlp_scope_spans *ss = otlpd_batch_mut_items(eh, 0, 0);
  assert_non_null(ss);
  ss->spans[0]->name = "renamed";
  ((otlp_scope_spans *)ss)->scope = NULL; /* a scope-level edit on the private scope */

  assert_string_equal(ef_attr(eh, 0, "service.name"), "head");
  assert_string_equal(span(eh, 0, 0, 0)->name, "renamed");
  /* the other half of the split, the unsplit source and the other pipeline */
  assert_string_equal(ef_attr(head, 0, "service.name"), "svc0");
  assert_string_equal(span(head, 0, 0, 0)->name, "a0");
  assert_non_null(((otlp_resource_spans *)head->resources[0])->scope_spans[0]->scope);
  assert_string_equal(ef_attr(rest, 0, "service.name"), "svc0");
  assert_string_equal(span(rest, 0, 0, 0)->name, "a2");
  assert_string_equal(ef_attr(other, 0, "service.name"), "svc0");
  assert_string_equal(span(other, 0, 0, 0)->name, "a0");
  assert_non_null(other->raw[0].p);
  otlpd_batch *back = ef_roundtrip_pb(other);
  assert_string_equal(span(back, 0, 0, 0)->name, "a0");
  otlpd_batch_unref(back);

  /* editing the whole entry that stayed in rest does not reach `other` */
  otlpd_batch *er = otlpd_batch_edit(&editor, rest);
  set_attr0(er, 1, "rest1");
  assert_string_equal(ef_attr(other, 1, "service.name"), "svc1");
  assert_string_equal(ef_attr(rest, 1, "service.name"), "svc1");

  otlpd_batch_unref(er);
  otlpd_batch_unref(eh);
  otlpd_batch_unref(head);
  otlpd_batch_unref(rest);
  otlpd_batch_unref(other);
  assert_int_equal(otlpd_memacct_used(&acct), 0);
}

/* Private scope array and scope structs; the span arrays stay shared. */
static void test_mut_scopes(void **state) {
  (void)state;
  otlpd_payload *p = ef_payload(OTLPD_TRACES, TRACES, false, NULL);
  otlpd_batch *in = otlpd_batch_from_payload(p);
  otlpd_payload_unref(p);
  otlp_resource_spans *orig = in->resources[0];
  otlpd_batch *e = otlpd_batch_edit(&editor, in);
  otlp_resource_spans *rs = otlpd_batch_mut_scopes(e, 0);
  assert_ptr_not_equal(rs->scope_spans, orig->scope_spans);
  assert_ptr_not_equal(rs->scope_spans[0], orig->scope_spans[0]);
  assert_ptr_equal(rs->scope_spans[0]->spans, orig->scope_spans[0]->spans);
  rs->scope_spans[0]->schema_url = "changed";
  assert_string_equal(orig->scope_spans[0]->schema_url, "");
  /* attribute lists of private spans are made private on demand */
  otlp_scope_spans *ss = otlpd_batch_mut_items(e, 0, 0);
  otlp_span *sp = ss->spans[1];
  assert_ptr_not_equal(sp, orig->scope_spans[0]->spans[1]);
  otlp_key_value **before = sp->attributes;
  assert_int_equal(otlpd_batch_own_attrs(e, 0, &sp->n_attributes, &sp->attributes), 0);
  assert_ptr_equal(sp->attributes, before); /* none: nothing to copy */
  otlpd_batch_unref(e);
  otlpd_batch_unref(in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_pipelines_one_edits),
      cmocka_unit_test(test_second_mut_does_not_clone),
      cmocka_unit_test(test_split_copies_do_not_leak),
      cmocka_unit_test(test_mut_scopes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
