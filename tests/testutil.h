/*
 * testutil.h - helpers shared by the Check suites: locating fixtures in
 * tests/data (through $top_srcdir), a scratch folder per test, small file
 * helpers, and the fixture corpus and model that several suites use.
 */
#ifndef SPYTAG_TESTUTIL_H
#define SPYTAG_TESTUTIL_H

#include "internal.h"

#include <check.h>
#include <stddef.h>

/* $top_srcdir/tests/data/NAME in a static buffer (one at a time). */
const char *tu_data(const char *name);

/* A new empty folder under $TMPDIR (or /tmp), inside a folder that tu_run
 * removes at the end; tu_rmtree removes a tree. */
char *tu_mkdtemp(void);
void tu_rmtree(const char *path);

/* DIR/NAME in a new malloc'ed string. */
char *tu_join(const char *dir, const char *name);
/* Writes len bytes to DIR/NAME (creating sub-folders of NAME). */
void tu_write(const char *dir, const char *name, const void *data, size_t len);
/* The same for a NUL-terminated string. */
void tu_write_str(const char *dir, const char *name, const char *s);
/* Reads a whole file; *len gets its size.  Aborts the test on failure. */
unsigned char *tu_read(const char *path, size_t *len);
/* Number of entries in a folder, "." and ".." excluded. */
int tu_count_entries(const char *dir);

/* Collects the tokens spytag_tokenize gives, as one string "tok|tok|...". */
char *tu_tokens(const spytag_options *o, const char *text, size_t len);
/* The same with the default options but stop words and stemming set. */
char *tu_tokens_with(int stopwords, int stem, const char *text, size_t len);

/* The fixture corpus tests/data/corpus (22 documents, 3 topics). */
spytag_corpus *tu_fixture_corpus(void);
/* A model trained on it with the default options. */
spytag_model *tu_fixture_model(void);

/* Adds text to c as document "d<i>", with one topic (NULL: none). */
void tu_add(spytag_corpus *c, size_t i, const char *text, const char *topic);
/* A document of tu_corpus: its text and its one topic. */
typedef struct tu_doc {
    const char *text, *topic;
} tu_doc;
/* A corpus of the n documents, with ids d0, d1, ... */
spytag_corpus *tu_corpus(const tu_doc *docs, size_t n);

/* Tags of `text` under model m as "topic,topic" ("" for none). */
char *tu_tags(const spytag_model *m, const char *text);

/* Runs a suite; returns EXIT_SUCCESS when every test passed. */
int tu_run(Suite *s);

#endif
