#!/usr/bin/env Rscript
# Regenerates tests/data/metafor_evidence_reference.json: metafor's cumul(), regtest()
# and trimfill() on fixed inputs, which tests/test_evidence_metafor.py compares
# tkimeta.evidence / tkimeta.stats.smallstudy against.
#
# The Python tests only read the JSON; R is needed only to regenerate it:
#   apt-get install -y r-base-core r-cran-metafor r-cran-jsonlite
#   Rscript tests/metafor_evidence_reference.R
#
# Inputs: (1) the pipeline's own study inputs (tests/data/pipeline_inputs.csv) in a
# fixed publication order, for cumul(); (2) synthetic sets of 24 and 30 studies with
# small-study asymmetry, generated here with a fixed seed and stored in the JSON.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

script_dir <- local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1]))) else getwd()
})
out_file <- file.path(script_dir, "data", "metafor_evidence_reference.json")
inputs <- read.csv(file.path(script_dir, "data", "pipeline_inputs.csv"), stringsAsFactors = FALSE)

# The order the tests pass to tkimeta.evidence.cumulative (fruq_crc is the only paper
# that prints a publication year; the others follow by study id).
publication_order <- c("fruq_crc", "anlo_crc", "anlo_escc", "anlo_sts", "nma_crlm")

cumul_block <- function(outcome, subgroup = "all") {
  d <- inputs[inputs$outcome == outcome & inputs$subgroup == subgroup, ]
  d <- d[order(match(d$study_id, publication_order)), ]
  if (d$family[1] == "proportion") {
    es <- escalc(measure = "PLO", xi = d$events, ni = d$n)
    yi <- as.numeric(es$yi); vi <- as.numeric(es$vi)
  } else {
    yi <- d$yi; vi <- d$sei^2
  }
  res <- rma(yi, vi, method = "REML", test = "knha")
  cm <- cumul(res)
  list(outcome = outcome, subgroup = subgroup, family = d$family[1], study_id = d$study_id,
       code = 'cumul(rma(yi, vi, method = "REML", test = "knha"))',
       estimate = as.numeric(cm$estimate), ci_lower = as.numeric(cm$ci.lb), ci_upper = as.numeric(cm$ci.ub),
       tau2 = as.numeric(cm$tau2), i2 = as.numeric(cm$I2))
}

cumulative <- lapply(c("ORR", "DCR", "median_PFS", "median_OS", "HR_PFS_liver", "RoM_PFS_liver"), cumul_block)

small_study_block <- function(name, k, seed, slope, tau2, selection) {
  set.seed(seed)
  sei <- runif(k, 0.08, 0.6)
  yi <- 0.2 + slope * sei + rnorm(k, 0, sqrt(sei^2 + tau2))
  # publication selection: small studies with a small effect are less often published
  keep <- yi / sei > selection | sei < 0.2
  yi <- round(yi[keep], 6); vi <- round(sei[keep]^2, 8)
  res <- rma(yi, vi, method = "REML")
  eg <- regtest(res)
  eg_lm <- regtest(res, model = "lm")
  tf <- trimfill(res)
  tf_r0 <- trimfill(res, estimator = "R0")
  list(name = name, yi = yi, vi = vi, k = length(yi),
       code = 'rma(yi, vi, method = "REML"); regtest(res); regtest(res, model = "lm"); trimfill(res); trimfill(res, estimator = "R0")',
       rma = list(estimate = as.numeric(res$beta), ci_lower = res$ci.lb, ci_upper = res$ci.ub, tau2 = res$tau2),
       regtest = list(zval = eg$zval, pval = eg$pval, est = eg$est, ci_lower = eg$ci.lb, ci_upper = eg$ci.ub,
                      slope = as.numeric(eg$fit$beta[2]), tau2 = eg$fit$tau2),
       regtest_lm = list(tval = eg_lm$zval, pval = eg_lm$pval, df = eg_lm$dfs, est = eg_lm$est),
       trimfill = list(k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, estimate = as.numeric(tf$beta),
                       ci_lower = tf$ci.lb, ci_upper = tf$ci.ub, tau2 = tf$tau2,
                       filled_yi = as.numeric(tf$yi[tf$fill]), filled_vi = as.numeric(tf$vi[tf$fill])),
       trimfill_r0 = list(k0 = tf_r0$k0, side = tf_r0$side, estimate = as.numeric(tf_r0$beta)))
}

small_study <- list(
  small_study_block("asymmetric_left_missing", 30, 20261201, 0.8, 0.02, 0.6),
  small_study_block("asymmetric_strong", 36, 7, 1.5, 0.01, 1.0),
  small_study_block("symmetric", 22, 11, 0.0, 0.05, -Inf)
)
# the same data mirrored: studies missing on the right
m <- small_study[[1]]
res <- rma(-m$yi, m$vi, method = "REML")
tf <- trimfill(res)
eg <- regtest(res)
small_study[[4]] <- list(name = "mirrored_right_missing", yi = -m$yi, vi = m$vi, k = m$k,
  code = m$code,
  rma = list(estimate = as.numeric(res$beta), ci_lower = res$ci.lb, ci_upper = res$ci.ub, tau2 = res$tau2),
  regtest = list(zval = eg$zval, pval = eg$pval, est = eg$est, ci_lower = eg$ci.lb, ci_upper = eg$ci.ub,
                 slope = as.numeric(eg$fit$beta[2]), tau2 = eg$fit$tau2),
  trimfill = list(k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, estimate = as.numeric(tf$beta),
                  ci_lower = tf$ci.lb, ci_upper = tf$ci.ub, tau2 = tf$tau2,
                  filled_yi = as.numeric(tf$yi[tf$fill]), filled_vi = as.numeric(tf$vi[tf$fill])))

result <- list(
  generated_by = "tests/metafor_evidence_reference.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  publication_order = publication_order,
  cumulative = cumulative,
  small_study = small_study
)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null"), out_file)
cat("wrote", out_file, "\n")
