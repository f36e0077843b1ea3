#!/usr/bin/env Rscript
# Regenerates tests/data/metafor_subgroup_reference.json: the test for subgroup
# differences from a meta-regression with the subgroup as a factor,
#   rma(yi, vi, mods = ~ factor(group), method = "REML", test = "knha")  (F-test)
#   rma(yi, vi, mods = ~ factor(group), method = "REML", test = "z")     (Wald QM)
# which tests/test_subgroup_knha.py compares tkimeta.stats.rma.subgroup_moderator_test
# against.  R is needed only to regenerate the JSON:
#   apt-get install -y r-base-core r-cran-metafor r-cran-jsonlite
#   Rscript tests/metafor_subgroup_reference.R
# The "pipeline" case holds the log median PFS inputs by liver-metastasis status as
# results/pooled/inputs.csv has them (yi, sei), rounded to 6 decimals.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
script_dir <- local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1]))) else getwd()
})
out_file <- file.path(script_dir, "data", "metafor_subgroup_reference.json")

cases <- list(
  pipeline_median_PFS_liver = list(
    yi = c(1.504077, 1.757858, 1.163151, 2.028148),
    sei = c(0.166670, 0.150425, 0.106567, 0.114904),
    group = c("liver_met", "no_liver_met", "liver_met", "no_liver_met")),
  five_two_groups = list(
    yi = c(1.2, 1.5, 0.9, 2.1, 1.7), sei = sqrt(c(0.04, 0.09, 0.05, 0.1, 0.06)),
    group = c("a", "a", "b", "b", "b")),
  heterogeneous_three_groups = list(
    yi = c(-0.4, 0.1, 0.3, 0.9, 1.4, 0.2, -0.1, 0.6), sei = c(0.2, 0.25, 0.15, 0.3, 0.22, 0.18, 0.27, 0.2),
    group = c("x", "x", "y", "y", "y", "z", "z", "z")),
  homogeneous_tau2_zero = list(
    yi = c(0.50, 0.52, 0.48, 0.70, 0.71, 0.69), sei = c(0.3, 0.3, 0.3, 0.3, 0.3, 0.3),
    group = c("p", "p", "p", "q", "q", "q"))
)

out <- list(metafor_version = as.character(packageVersion("metafor")),
            r_version = R.version.string, cases = list())
for (name in names(cases)) {
  d <- cases[[name]]
  g <- factor(d$group, levels = unique(d$group))
  kh <- rma(yi = d$yi, sei = d$sei, mods = ~ g, method = "REML", test = "knha")
  wz <- rma(yi = d$yi, sei = d$sei, mods = ~ g, method = "REML", test = "z")
  out$cases[[name]] <- list(
    inputs = d,
    knha = list(F = kh$QM, df1 = kh$QMdf[1], df2 = kh$QMdf[2], p = kh$QMp, tau2 = kh$tau2),
    z = list(QM = wz$QM, df = wz$QMdf[1], p = wz$QMp, tau2 = wz$tau2))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
