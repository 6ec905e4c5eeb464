/* model_diff.c - a helper of the CLI tests (not a test itself): compares the parameters of two
 * .hark models or checkpoints and, for checkpoints, their loss sums.
 *
 * usage: model_diff A B TOL     or     model_diff CHECKPOINT   (prints its step)
 * Prints the largest absolute parameter difference and the two loss sums; exits 0 when the
 * networks have the same shape and every parameter differs by at most TOL and the loss sums by
 * at most TOL relative, 1 otherwise, 2 on bad usage or unreadable files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hark/model.h"

static double ckpt_num(const hark_model *m, const char *key)
{
    const char *js = hark_model_get_meta(m, "checkpoint");
    cJSON *j = js ? cJSON_Parse(js) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    cJSON_Delete(j);
    return x;
}

int main(int argc, char **argv)
{
    if (argc == 2) {
        hark_model *m = hark_model_load(argv[1]);
        if (!m) {
            fprintf(stderr, "model_diff: %s\n", hark_last_error());
            return 2;
        }
        printf("%.0f\n", ckpt_num(m, "step"));
        hark_model_free(m);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: model_diff A B TOL\n");
        return 2;
    }
    double tol = atof(argv[3]);
    hark_model *a = hark_model_load(argv[1]), *b = hark_model_load(argv[2]);
    if (!a || !b) {
        fprintf(stderr, "model_diff: %s\n", hark_last_error());
        return 2;
    }
    size_t n = hark_net_num_params(hark_model_net(a));
    int same_shape = n == hark_net_num_params(hark_model_net(b));
    const float *pa = hark_net_params_const(hark_model_net(a));
    const float *pb = hark_net_params_const(hark_model_net(b));
    double worst = 0;
    size_t differ = 0;
    for (size_t i = 0; same_shape && i < n; i++) {
        double d = fabs((double)pa[i] - (double)pb[i]);
        differ += pa[i] != pb[i];
        if (!(d <= worst))
            worst = d;
    }
    double la = ckpt_num(a, "loss_sum"), lb = ckpt_num(b, "loss_sum");
    double lrel = fabs(la - lb) / (fabs(la) > 1e-30 ? fabs(la) : 1);
    printf("params %zu, differing %zu, max abs diff %.3g; loss sums %.9g %.9g (rel %.3g)\n", n,
           differ, worst, la, lb, lrel);
    int ok = same_shape && worst <= tol && (isnan(la) ? isnan(lb) : lrel <= tol);
    hark_model_free(a);
    hark_model_free(b);
    return ok ? 0 : 1;
}
