# metafor's times on the synthetic data of benchmarks/scale.py (called by it, one size per
# call, so that Python can put a time limit on each):
#
#   Rscript benchmarks/scale_metafor.R <data.csv> <repeats> <out.json> [skip,...]
#
# data.csv has columns x (events) and n (patients). Times each call `repeats` times
# (wall clock, proc.time) after one untimed warm-up call, and writes the runs in seconds:
#   rma_glmm          rma.glmm(measure = "PLO", xi, ni)   (lme4 glmer, nAGQ = 7, ML,
#                     with the QE.Wld / QE.LRT heterogeneity tests: two glm() fits)
#   rma_glmm_skiphet  the same with skiphet = TRUE (no heterogeneity tests)
#   rma_reml_knha     rma(yi, vi, method = "REML", test = "knha") on escalc("PLO")
#   rma_reml_knha_confint  the same plus confint() (the Q-profile CI of tau^2)
# A name in the optional comma-separated list is skipped (too slow at that size).
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[1])
repeats <- as.integer(args[2])
skip <- if (length(args) >= 4) strsplit(args[4], ",")[[1]] else character(0)

es <- escalc(measure = "PLO", xi = dat$x, ni = dat$n)
calls <- list(
  rma_glmm = function() rma.glmm(measure = "PLO", xi = dat$x, ni = dat$n),
  rma_glmm_skiphet = function() rma.glmm(measure = "PLO", xi = dat$x, ni = dat$n, skiphet = TRUE),
  rma_reml_knha = function() rma(es$yi, es$vi, method = "REML", test = "knha"),
  rma_reml_knha_confint = function() confint(rma(es$yi, es$vi, method = "REML", test = "knha"))
)

out <- list(k = nrow(dat), r = R.version.string, metafor = as.character(packageVersion("metafor")),
            lme4 = as.character(packageVersion("lme4")), runs_s = list(), estimate_logit = list())
for (name in names(calls)) {
  if (name %in% skip) next
  first <- calls[[name]]()  # warm-up (and the estimate, to check both sides fit the same data)
  if (inherits(first, "rma")) out$estimate_logit[[name]] <- as.numeric(first$beta)
  runs <- numeric(repeats)
  for (i in seq_len(repeats)) {
    start <- proc.time()[["elapsed"]]
    calls[[name]]()
    runs[i] <- proc.time()[["elapsed"]] - start
  }
  out$runs_s[[name]] <- runs
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA), args[3])
