#!/usr/bin/env Rscript
# Regenerates tests/data/metafor_common_effect_reference.json, which
# tests/test_common_effect_metafor.py compares tkimeta against:
#   * the common-effect (equal/fixed-effect) model, rma(yi, sei = sei, method = "EE")
#     (also "FE"; both give the same fit for an intercept-only model);
#   * the prediction interval in the form R meta uses by default (method.predict = "HTS",
#     Higgins, Thompson & Spiegelhalter 2009): mu -/+ qt(0.975, k - 2) sqrt(se^2 + tau^2)
#     with the random-effects SE before Hartung-Knapp scaling. R meta is not installed
#     here, so the formula is applied to metafor's REML fit (test = "z": unscaled SE).
#   * metafor's own predict() after test = "knha" (t with k - 1 df), for contrast.
# R is needed only to regenerate the JSON:
#   apt-get install -y r-base-core r-cran-metafor r-cran-jsonlite
#   Rscript tests/metafor_common_effect_reference.R
# The "pipeline_*" cases hold results/pooled/inputs.csv values (yi, sei), rounded to 6
# decimals: log HR for PFS by liver metastasis and log median PFS (all patients).

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
script_dir <- local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1]))) else getwd()
})
out_file <- file.path(script_dir, "data", "metafor_common_effect_reference.json")

cases <- list(
  pipeline_HR_PFS_liver = list(yi = c(0.556531, 1.223775), sei = c(0.333333, 0.286755)),
  pipeline_median_PFS = list(yi = c(1.667707, 2.028148, 1.410987, 1.704748),
                             sei = c(0.220451, 0.288002, 0.151714, 0.129873)),
  heterogeneous_six = list(yi = c(-0.4, 0.1, 0.3, 0.9, 1.4, 0.2), sei = c(0.2, 0.25, 0.15, 0.3, 0.22, 0.18)),
  homogeneous_three = list(yi = c(0.50, 0.52, 0.48), sei = c(0.3, 0.3, 0.3))
)

out <- list(metafor_version = as.character(packageVersion("metafor")),
            r_version = R.version.string, cases = list())
for (name in names(cases)) {
  d <- cases[[name]]
  k <- length(d$yi)
  ee <- rma(yi = d$yi, sei = d$sei, method = "EE")
  fe <- rma(yi = d$yi, sei = d$sei, method = "FE")
  re <- rma(yi = d$yi, sei = d$sei, method = "REML", test = "z")
  kh <- rma(yi = d$yi, sei = d$sei, method = "REML", test = "knha")
  entry <- list(
    inputs = d,
    ee = list(estimate = ee$b[1], se = ee$se, ci_lower = ee$ci.lb, ci_upper = ee$ci.ub, q = ee$QE,
              q_pvalue = ee$QEp, i2 = ee$I2),
    fe_estimate = fe$b[1])
  if (k >= 3) {
    half <- qt(0.975, k - 2) * sqrt(re$se^2 + re$tau2)
    pk <- predict(kh)
    entry$hts <- list(estimate = re$b[1], tau2 = re$tau2, pi_lower = re$b[1] - half, pi_upper = re$b[1] + half)
    entry$knha_predict <- list(pi_lower = pk$pi.lb, pi_upper = pk$pi.ub)
  }
  out$cases[[name]] <- entry
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
