/*
 * check_jsonl.c - one JSON Lines record (jsonl.c, spytag_record_parse):
 * id, text and labels, extra fields kept in the parsed object, and the
 * strict rules (types, duplicate keys, invalid UTF-8, lone surrogates).
 */
#include "testutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, spytag_record *r, spytag_error *err)
{
    memset(err, 0, sizeof *err);
    return spytag_record_parse(line, strlen(line), r, err);
}

START_TEST(test_full_record)
{
    spytag_record r;
    spytag_error err;
    json_t *url;
    ck_assert_int_eq(parse("{\"id\": \"n1\", \"url\": \"https://e.org/x\", "
                           "\"labels\": [\"a\", \"b\"], "
                           "\"text\": \"caf\\u00e9 \\\"quoted\\\"\\n\"}",
                           &r, &err), SPYTAG_OK);
    ck_assert_str_eq(r.id, "n1");
    ck_assert_str_eq(r.text, "café \"quoted\"\n");
    ck_assert_uint_eq(r.text_len, strlen("café \"quoted\"\n"));
    ck_assert_int_eq(r.has_labels, 1);
    ck_assert_uint_eq(r.nlabels, 2);
    ck_assert_str_eq(r.labels[0], "a");
    ck_assert_str_eq(r.labels[1], "b");
    /* other fields stay in the parsed object */
    ck_assert_ptr_nonnull(r.json);
    url = json_object_get((json_t *)r.json, "url");
    ck_assert(json_is_string(url));
    ck_assert_str_eq(json_string_value(url), "https://e.org/x");
    spytag_record_clear(&r);
    ck_assert_ptr_null(r.json);
    ck_assert_ptr_null(r.text);
    spytag_record_clear(&r);                 /* twice is harmless */
    spytag_record_clear(NULL);
}
END_TEST

START_TEST(test_optional_fields)
{
    spytag_record r;
    spytag_error err;
    /* integer id; no labels */
    ck_assert_int_eq(parse("{\"id\": 42, \"text\": \"t\"}", &r, &err),
                     SPYTAG_OK);
    ck_assert_str_eq(r.id, "42");
    ck_assert_int_eq(r.has_labels, 0);
    ck_assert_ptr_null(r.labels);
    spytag_record_clear(&r);
    /* labels null counts as absent, [] as present and empty */
    ck_assert_int_eq(parse("{\"labels\": null, \"text\": \"t\"}", &r, &err),
                     SPYTAG_OK);
    ck_assert_int_eq(r.has_labels, 0);
    ck_assert_ptr_null(r.id);
    spytag_record_clear(&r);
    ck_assert_int_eq(parse("{\"labels\": [], \"text\": \"t\"}", &r, &err),
                     SPYTAG_OK);
    ck_assert_int_eq(r.has_labels, 1);
    ck_assert_uint_eq(r.nlabels, 0);
    spytag_record_clear(&r);
    /* no text at all is not an error here (callers decide) */
    ck_assert_int_eq(parse("{}", &r, &err), SPYTAG_OK);
    ck_assert_ptr_null(r.text);
    spytag_record_clear(&r);
}
END_TEST

START_TEST(test_nul_in_text)
{
    spytag_record r;
    spytag_error err;
    ck_assert_int_eq(parse("{\"text\": \"ab\\u0000cd\"}", &r, &err),
                     SPYTAG_OK);
    ck_assert_uint_eq(r.text_len, 5);
    ck_assert_mem_eq(r.text, "ab\0cd", 6);
    spytag_record_clear(&r);
}
END_TEST

START_TEST(test_only_given_length)
{
    /* the line is len bytes, not a C string: what follows is ignored */
    const char buf[] = "{\"text\": \"t\"}GARBAGE";
    spytag_record r;
    spytag_error err;
    ck_assert_int_eq(spytag_record_parse(buf, 13, &r, &err), SPYTAG_OK);
    ck_assert_str_eq(r.text, "t");
    spytag_record_clear(&r);
}
END_TEST

START_TEST(test_errors)
{
    static const struct {
        const char *line, *reason;
    } bad[] = {
        { "{\"text\": \"unterminated}", "invalid JSON" },
        { "", "invalid JSON" },
        { "{\"text\": \"t\"} {}", "invalid JSON" },
        { "[\"text\"]", "object" },
        { "\"text\"", "JSON" },                /* jansson wants [ or { */
        { "{\"id\": 1.5, \"text\": \"t\"}", "\"id\"" },
        { "{\"id\": [\"x\"], \"text\": \"t\"}", "\"id\"" },
        { "{\"text\": 12}", "\"text\"" },
        { "{\"text\": null}", "\"text\"" },
        { "{\"labels\": \"a\", \"text\": \"t\"}", "\"labels\"" },
        { "{\"labels\": {\"a\": 1}, \"text\": \"t\"}", "\"labels\"" },
        { "{\"labels\": [\"a\", 3], \"text\": \"t\"}", "\"labels\"" },
        { "{\"text\": \"a\", \"text\": \"b\"}", "invalid JSON" },
        { "{\"text\": \"\xc3\x28\"}", "invalid JSON" },
        { "{\"text\": \"\\ud800\"}", "invalid JSON" },
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spytag_record r;
        spytag_error err;
        int rc = parse(bad[i].line, &r, &err);
        ck_assert_msg(rc == SPYTAG_EFORMAT, "case %zu: status %d", i, rc);
        ck_assert_int_eq(err.status, SPYTAG_EFORMAT);
        ck_assert_msg(strstr(err.message, bad[i].reason) != NULL,
                      "case %zu: message '%s' lacks '%s'", i, err.message,
                      bad[i].reason);
        /* a failed parse leaves nothing to free */
        ck_assert_ptr_null(r.json);
        ck_assert_ptr_null(r.id);
        ck_assert_ptr_null(r.labels);
        ck_assert_ptr_null(r.text);
        /* file and line are the caller's */
        ck_assert_str_eq(err.file, "");
        ck_assert_int_eq(err.line, 0);
    }
}
END_TEST

START_TEST(test_error_without_err)
{
    spytag_record r;
    ck_assert_int_eq(spytag_record_parse("nope", 4, &r, NULL),
                     SPYTAG_EFORMAT);
    ck_assert_int_eq(spytag_record_parse("{\"text\": 1}", 11, &r, NULL),
                     SPYTAG_EFORMAT);
}
END_TEST

static Suite *jsonl_suite(void)
{
    Suite *s = suite_create("jsonl");
    TCase *tc = tcase_create("record");
    tcase_add_test(tc, test_full_record);
    tcase_add_test(tc, test_optional_fields);
    tcase_add_test(tc, test_nul_in_text);
    tcase_add_test(tc, test_only_given_length);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_error_without_err);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(jsonl_suite());
}
