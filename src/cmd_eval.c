/*
 * cmd_eval.c - spytag eval: k-fold cross-validation on a corpus, or a
 * trained model scored on a labelled test set.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: spytag eval [-k K] [TRAINING SETTINGS] CORPUS\n"
    "       spytag eval -m MODEL TESTSET\n"
    "Measure accuracy.  The first form runs stratified K-fold\n"
    "cross-validation (fixed seed) on CORPUS with the given training\n"
    "settings; the second scores MODEL on a labelled TESTSET (same layouts\n"
    "as training corpora).  Prints per-topic precision, recall, F1 and\n"
    "support, micro- and macro-F1, and the false positives and negatives.\n\n"
    "  -k, --folds K      folds for cross-validation (default 5)\n"
    "  -m, --model MODEL  score this model on TESTSET instead\n"
    "      --format FMT   text (default) or json\n"
    "  -q, --quiet        no progress\n"
    "      --progress     show progress even when stderr is not a terminal\n"
    "  -h, --help         show this help\n\n" CLI_TRAIN_HELP "\n"
    EXIT_CODES_HELP;

static const struct option longopts[] = {
    { "folds", required_argument, NULL, 'k' },
    { "model", required_argument, NULL, 'm' },
    { "format", required_argument, NULL, 'F' },
    { "quiet", no_argument, NULL, 'q' },
    { "progress", no_argument, NULL, 'P' },
    { "help", no_argument, NULL, 'h' },
    CLI_TRAIN_LONGOPTS,
    { NULL, 0, NULL, 0 }
};

static void print_text(const spytag_eval *ev, const char *what)
{
    size_t t, tp, fp, fn, sfp = 0, sfn = 0, w = 5;
    double p, r, f;
    for (t = 0; t < spytag_eval_ntopics(ev); t++)
        if (strlen(spytag_eval_topic(ev, t)) > w)
            w = strlen(spytag_eval_topic(ev, t));
    printf("%s, %zu documents\n\n", what, spytag_eval_docs(ev));
    printf("%-*s  precision  recall     f1  support\n", (int)w, "topic");
    for (t = 0; t < spytag_eval_ntopics(ev); t++) {
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        spytag_eval_topic_scores(ev, t, &p, &r, &f);
        sfp += fp;
        sfn += fn;
        printf("%-*s  %9.3f  %6.3f  %5.3f  %7zu\n", (int)w,
               spytag_eval_topic(ev, t), p, r, f, tp + fn);
    }
    printf("\nmicro-F1 %.4f  macro-F1 %.4f  false positives %zu  "
           "false negatives %zu\n",
           spytag_eval_micro_f1(ev), spytag_eval_macro_f1(ev), sfp, sfn);
}

static void print_json(const spytag_eval *ev, const char *mode)
{
    size_t t, tp, fp, fn, sfp = 0, sfn = 0;
    double p, r, f;
    printf("{\"mode\": \"%s\", \"documents\": %zu, \"topics\": [", mode,
           spytag_eval_docs(ev));
    for (t = 0; t < spytag_eval_ntopics(ev); t++) {
        const char *name = spytag_eval_topic(ev, t);
        spytag_eval_counts(ev, t, &tp, &fp, &fn);
        spytag_eval_topic_scores(ev, t, &p, &r, &f);
        sfp += fp;
        sfn += fn;
        printf("%s{\"topic\": ", t ? ", " : "");
        cli_json_string(stdout, name, strlen(name));
        printf(", \"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f, "
               "\"support\": %zu, \"tp\": %zu, \"fp\": %zu, \"fn\": %zu}",
               p, r, f, tp + fn, tp, fp, fn);
    }
    printf("], \"micro_f1\": %.6f, \"macro_f1\": %.6f, "
           "\"false_positives\": %zu, \"false_negatives\": %zu}\n",
           spytag_eval_micro_f1(ev), spytag_eval_macro_f1(ev), sfp, sfn);
}

/* Scores model m on corpus c; topics of c unknown to m become extra rows
 * that are never predicted. */
static int score_model(const spytag_model *m, const spytag_corpus *c,
                       spytag_eval **out)
{
    size_t T = spytag_model_ntopics(m), CT = spytag_corpus_ntopics(c);
    size_t n = 0, t, d, k;
    const char **names = malloc((T + CT + 1) * sizeof *names);
    size_t *map = malloc((CT + 1) * sizeof *map);
    unsigned char *gold_c = malloc(CT + 1), *gold = NULL, *pred = NULL;
    spytag_classifier *cl = spytag_classifier_new(m);
    spytag_eval *ev = NULL;
    int rc = EXIT_FATAL;

    if (!names || !map || !gold_c || !cl)
        goto cleanup;
    for (t = 0; t < T; t++)
        names[n++] = spytag_model_topic(m, t);
    for (t = 0; t < CT; t++) {
        const char *ct = spytag_corpus_topic(c, t);
        for (k = 0; k < T && strcmp(names[k], ct) != 0; k++)
            ;
        if (k == T) {
            cli_warn("topic '%s' of the test set is unknown to the model",
                     ct);
            names[n] = ct;
            k = n++;
        }
        map[t] = k;
    }
    gold = malloc(n + 1);
    pred = calloc(n + 1, 1);
    ev = spytag_eval_new(names, n);
    if (!gold || !pred || !ev)
        goto cleanup;
    for (d = 0; d < spytag_corpus_size(c); d++) {
        size_t len;
        const char *text = spytag_corpus_text(c, d, &len);
        spytag_classify(cl, text, len, NULL, NULL, pred);
        spytag_corpus_labels(c, d, gold_c);
        memset(gold, 0, n);
        for (t = 0; t < CT; t++)
            if (gold_c[t])
                gold[map[t]] = 1;
        spytag_eval_add(ev, gold, pred);
    }
    *out = ev;
    ev = NULL;
    rc = EXIT_OK;
cleanup:
    if (rc != EXIT_OK)
        cli_error("out of memory");
    spytag_eval_free(ev);
    spytag_classifier_free(cl);
    free(names);
    free(map);
    free(gold_c);
    free(gold);
    free(pred);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    spytag_options o;
    spytag_corpus *c = NULL;
    spytag_model *m = NULL;
    spytag_eval *ev = NULL;
    spytag_error err;
    cli_progress prog;
    const char *model = NULL;
    long k = 5;
    int ch, json = 0, quiet = 0, force = 0, rc, code = EXIT_FATAL;
    int trained_opts = 0;
    char what[600];

    cli_train_defaults(&o);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "k:m:qhC:j:", longopts, NULL)) != -1) {
        int r;
        switch (ch) {
        case 'k':
            if (cli_parse_long(optarg, 2, 50, &k))
                return cli_usage_error("eval", "invalid --folds '%s' "
                                       "(2 to 50)", optarg);
            break;
        case 'm': model = optarg; break;
        case 'F':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "text") == 0)
                json = 0;
            else
                return cli_usage_error("eval", "invalid --format '%s'",
                                       optarg);
            break;
        case 'q': quiet = 1; break;
        case 'P': force = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            return cli_finish_stdout(EXIT_OK);
        default:
            r = cli_train_option("eval", ch, optarg, &o);
            if (r < 0)
                return EXIT_USAGE;
            if (r > 0)
                return cli_usage_error("eval", "unknown option");
            trained_opts = 1;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("eval", "expected one %s",
                               model ? "TESTSET" : "CORPUS");
    if (model && trained_opts)
        return cli_usage_error("eval", "training settings do not apply to "
                               "-m MODEL");
    cli_progress_init(&prog, force, quiet);
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(argv[optind], &c, &err);
    if (rc != SPYTAG_OK) {
        cli_liberror(&err, rc);
        goto cleanup;
    }
    if (model) {
        rc = spytag_model_load(model, &m, &err);
        if (rc != SPYTAG_OK) {
            cli_liberror(&err, rc);
            goto cleanup;
        }
        if (score_model(m, c, &ev) != EXIT_OK)
            goto cleanup;
        snprintf(what, sizeof what, "model %s on %s", model, argv[optind]);
    } else {
        rc = spytag_cross_validate(c, &o, (int)k, &ev, &err);
        cli_progress_done(&prog);
        if (rc != SPYTAG_OK) {
            cli_liberror(&err, rc);
            goto cleanup;
        }
        snprintf(what, sizeof what, "%ld-fold cross-validation on %s", k,
                 argv[optind]);
    }
    if (json)
        print_json(ev, model ? "test" : "cross-validation");
    else
        print_text(ev, what);
    code = EXIT_OK;
cleanup:
    spytag_eval_free(ev);
    spytag_model_free(m);
    spytag_corpus_free(c);
    return cli_finish_stdout(code);
}
