#!/usr/bin/env Rscript
# Regenerates tests/data/metafor_pipeline_reference.json: metafor's results for
# every pooled outcome of the seed data, which tests/test_pooling_metafor.py
# compares tkimeta.pooling.analysis.pool_outcome against.
#
# Input: tests/data/pipeline_inputs.csv, a frozen copy of
# results/pooled/inputs.csv (test_pooling_metafor.py checks that the library
# still produces it).  The Python tests only read the JSON; R is needed only to
# regenerate it:
#   apt-get install -y r-base-core r-cran-metafor r-cran-lme4 r-cran-jsonlite
#   Rscript tests/metafor_pipeline_reference.R
#
# What is pooled mirrors workflow/lib/tkimeta/pooling/analysis.py and
# config.yaml (pooling:):
#   proportions   glmm (primary), reml_hksj, dl, ft_reml
#   log / logit   reml_hksj (primary), dl, ce (common effect: rma(method = "EE"))
#   analyses      primary (every method), crc_only and leave-one-out (primary
#                 method only), each fitted where it has k >= 2 studies;
#   subgroup test liver_met vs no_liver_met, every method.
# Every block stores the exact R code that produced it (evaluated from that
# very string, so the two cannot drift apart), its inputs and the output on the
# natural scale (proportions, months, ratios).

suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

script_dir <- local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1]))) else getwd()
})
in_file <- file.path(script_dir, "data", "pipeline_inputs.csv")
out_file <- file.path(script_dir, "data", "metafor_pipeline_reference.json")

# Settings of config.yaml (pooling:), written out so that the JSON says what it assumed.
LEVEL <- 0.95          # ci_level
MIN_K_PI <- 3          # min_k_prediction_interval
NAGQ <- 7              # proportions: glmm_quadrature_points
METHODS <- list(proportion = c("glmm", "reml_hksj", "dl", "ft_reml"),
                log = c("reml_hksj", "dl", "ce"), logit = c("reml_hksj", "dl", "ce"))
SUBGROUPS <- c("all", "liver_met", "no_liver_met")

inputs <- read.csv(in_file, stringsAsFactors = FALSE, na.strings = "", check.names = FALSE)

blocks <- list()
add_block <- function(block) blocks[[length(blocks) + 1L]] <<- block

# Evaluate `code` in a fresh environment holding `data`; return that
# environment, the error message (or NULL) and any warnings.
run <- function(code, data) {
  env <- list2env(data, parent = globalenv())
  warnings <- character(0)
  err <- tryCatch({
    withCallingHandlers(
      suppressMessages(eval(parse(text = code), envir = env)),
      warning = function(w) {
        warnings <<- c(warnings, conditionMessage(w))
        invokeRestart("muffleWarning")
      })
    NULL
  }, error = function(e) conditionMessage(e))
  list(env = env, error = err, warnings = I(unique(warnings)))
}

num <- function(v) if (is.null(v)) NA_real_ else as.numeric(v)
vec <- function(v) I(as.numeric(v))  # keep length-1 vectors as JSON arrays

# --------------------------------------------------------------------------- #
# the R code of each method (analysis.py: pool())
# --------------------------------------------------------------------------- #
# confint(): Q-profile CI of tau^2.  tol=1e-10 instead of uniroot's default
# eps^0.25 (~1.2e-4 absolute), so the reference is exact to far more than the 4
# digits compared; the search range is metafor's default, [0, max(100, 10 tau2)].
IV_TAIL <- '; ci <- confint(res, control=list(tol=1e-10)); w <- weights(res)'

# rma.glmm() keeps its default glm() control for the QE.Wld fits on purpose: with
# a study with 0 (or n) events glm() stops at a large finite coefficient, and at
# the default epsilon (1e-8) QE.Wld is within ~1e-6 of its limit (that study's
# term vanishing), which tkimeta computes.  A tighter epsilon makes it worse,
# not better: for x = (7, 2, 0), n = (68, 32, 75) QE.Wld is 0.4258589 at 1e-8
# (limit 0.4258588) but 0.4290079 at 1e-10, where vcov() of the saturated glm
# has a condition number ~1e13.
method_code <- function(family, method) {
  back <- if (family == "log") "exp" else "transf.ilogit"
  if (family == "proportion") {
    switch(method,
      glmm = sprintf('res <- rma.glmm(measure="PLO", xi=events, ni=n, nAGQ=%d); pr <- predict(res, transf=transf.ilogit)', NAGQ),
      reml_hksj = paste0('dat <- escalc(measure="PLO", xi=events, ni=n); ',
                         'res <- rma(yi, vi, data=dat, method="REML", test="knha"); ',
                         'pr <- predict(res, transf=transf.ilogit)', IV_TAIL),
      dl = paste0('dat <- escalc(measure="PLO", xi=events, ni=n); ',
                  'res <- rma(yi, vi, data=dat, method="DL", test="z"); ',
                  'pr <- predict(res, transf=transf.ilogit)', IV_TAIL),
      ft_reml = paste0('dat <- escalc(measure="PFT", xi=events, ni=n); ',
                       'res <- rma(yi, vi, data=dat, method="REML", test="z"); ',
                       'pr <- predict(res, transf=transf.ipft.hm, targs=list(ni=n))', IV_TAIL))
  } else {
    switch(method,
      reml_hksj = paste0('res <- rma(yi=yi, sei=sei, method="REML", test="knha"); ',
                         sprintf('pr <- predict(res, transf=%s)', back), IV_TAIL),
      dl = paste0('res <- rma(yi=yi, sei=sei, method="DL", test="z"); ',
                  sprintf('pr <- predict(res, transf=%s)', back), IV_TAIL),
      # no tau^2, so no Q-profile CI (confint() has none for an equal-effects model)
      ce = paste0('res <- rma(yi=yi, sei=sei, method="EE"); ',
                  sprintf('pr <- predict(res, transf=%s); w <- weights(res)', back)))
  }
}

block_data <- function(rows, family) {
  if (family == "proportion") list(events = rows$events, n = rows$n)
  else list(yi = rows$yi, sei = rows$sei)
}

fit_output <- function(env, method, k) {
  res <- env$res
  pr <- env$pr
  glmm <- method == "glmm"
  common <- method == "ce"
  out <- list(
    estimate = num(pr$pred), ci_lower = num(pr$ci.lb), ci_upper = num(pr$ci.ub),
    # analysis.py reports a prediction interval only from MIN_K_PI studies on, and none
    # for the common-effect model (whose predict() repeats the CI: tau^2 is 0)
    pi_lower = if (k >= MIN_K_PI && !common) num(pr$pi.lb) else NA_real_,
    pi_upper = if (k >= MIN_K_PI && !common) num(pr$pi.ub) else NA_real_,
    tau2 = num(res$tau2), i2 = num(res$I2),
    # GLMM: the Wald-type test for heterogeneity (QE.Wld), as analysis.py reports
    q = num(if (glmm) res$QE.Wld else res$QE),
    q_pvalue = num(if (glmm) res$QEp.Wld else res$QEp),
    # analysis scale (logit, PFT or log), for the record
    b = num(res$b), se = num(res$se)
  )
  if (glmm) {
    # confint() and weights() are "not available for objects of class rma.glmm"
    out$tau2_ci <- vec(c(NA, NA))
    out$tau2_ci_sign <- I(c("", ""))
    out$tau2_ci_max <- NA_real_
    out["weights"] <- list(NULL)
  } else if (common) {
    out$tau2 <- 0
    out$tau2_ci <- vec(c(NA, NA))
    out$tau2_ci_sign <- I(c("", ""))
    out$tau2_ci_max <- NA_real_
    out$weights <- vec(env$w)
  } else {
    ci <- env$ci
    out$tau2_ci <- vec(ci$random["tau^2", c("ci.lb", "ci.ub")])
    # "<": the Q-profile lies below its quantile at tau2 = 0 (both bounds 0);
    # ">": the bound lies beyond the search range and is printed as its end.
    out$tau2_ci_sign <- I(c(ci$lb.sign, ci$ub.sign))
    out$tau2_ci_max <- max(100, 10 * res$tau2)  # confint()'s default tau2.max
    out$weights <- vec(env$w)
  }
  out
}

# --------------------------------------------------------------------------- #
# pooled estimates: every outcome x subgroup x analysis x method
# --------------------------------------------------------------------------- #
analyses <- function(rows) {
  sets <- list(primary = rows)
  studies <- unique(rows$study_id)
  crc <- rows[rows$cancer == "colorectal", , drop = FALSE]
  n_crc <- length(unique(crc$study_id))
  if (n_crc > 0 && n_crc < length(studies)) sets$crc_only <- crc
  if (length(studies) >= 3)
    for (s in studies) sets[[paste0("loo_", s)]] <- rows[rows$study_id != s, , drop = FALSE]
  sets
}

outcomes <- unique(inputs$outcome)
for (outcome in outcomes) {
  own <- inputs[inputs$outcome == outcome, , drop = FALSE]
  family <- own$family[1]
  methods <- METHODS[[family]]
  for (subgroup in intersect(SUBGROUPS, unique(own$subgroup))) {
    rows <- own[own$subgroup == subgroup, , drop = FALSE]
    sets <- analyses(rows)
    for (analysis in names(sets)) {
      set <- sets[[analysis]]
      k <- nrow(set)
      if (k < 2) next  # a single study is not pooled: nothing to ask metafor
      for (method in if (analysis == "primary") methods else methods[1]) {
        code <- method_code(family, method)
        data <- block_data(set, family)
        r <- run(code, data)
        add_block(list(
          kind = "pool", outcome = outcome, family = family, subgroup = subgroup,
          analysis = analysis, method = method, k = k, studies = I(set$study_id),
          inputs = lapply(data, vec), call = code, error = r$error, warnings = r$warnings,
          output = if (is.null(r$error)) fit_output(r$env, method, k)))
      }
    }
  }
}

# --------------------------------------------------------------------------- #
# subgroup differences (analysis.py: subgroup_difference())
# --------------------------------------------------------------------------- #
# Each subgroup's pooled estimate and SE on the analysis scale (a single study:
# its own escalc estimate and SE), then a fixed-effect model on the two:
# Q_between = QE with df = 1.
subgroup_fit <- function(family, method) {
  if (family == "proportion") {
    meas <- if (method == "ft_reml") "PFT" else "PLO"
    one <- sprintf('e <- escalc(measure="%s", xi=events[i], ni=n[i]); est[g] <- e$yi; se[g] <- sqrt(e$vi)', meas)
    many <- switch(method,
      glmm = sprintf('f <- rma.glmm(measure="PLO", xi=events[i], ni=n[i], nAGQ=%d)', NAGQ),
      reml_hksj = 'e <- escalc(measure="PLO", xi=events[i], ni=n[i]); f <- rma(e$yi, e$vi, method="REML", test="knha")',
      dl = 'e <- escalc(measure="PLO", xi=events[i], ni=n[i]); f <- rma(e$yi, e$vi, method="DL", test="z")',
      ft_reml = 'e <- escalc(measure="PFT", xi=events[i], ni=n[i]); f <- rma(e$yi, e$vi, method="REML", test="z")')
  } else {
    one <- 'est[g] <- yi[i]; se[g] <- sei[i]'
    many <- switch(method,
      reml_hksj = 'f <- rma(yi=yi[i], sei=sei[i], method="REML", test="knha")',
      dl = 'f <- rma(yi=yi[i], sei=sei[i], method="DL", test="z")',
      ce = 'f <- rma(yi=yi[i], sei=sei[i], method="EE")')
  }
  paste0('est <- c(); se <- c(); ',
         'for (g in c("liver_met", "no_liver_met")) { i <- which(subgroup == g); ',
         'if (length(i) > 1) { ', many, '; est[g] <- c(coef(f)); se[g] <- f$se } else { ', one, ' } }; ',
         'res <- rma(yi=est, sei=se, method="FE")')
}

for (outcome in outcomes) {
  own <- inputs[inputs$outcome == outcome, , drop = FALSE]
  if (!all(c("liver_met", "no_liver_met") %in% own$subgroup)) next
  family <- own$family[1]
  both <- own[own$subgroup %in% c("liver_met", "no_liver_met"), , drop = FALSE]
  data <- c(block_data(both, family), list(subgroup = both$subgroup))
  for (method in METHODS[[family]]) {
    code <- subgroup_fit(family, method)
    r <- run(code, data)
    env <- r$env
    add_block(list(
      kind = "subgroup_test", outcome = outcome, family = family, method = method,
      k_liver_met = sum(both$subgroup == "liver_met"),
      k_no_liver_met = sum(both$subgroup == "no_liver_met"),
      inputs = c(lapply(block_data(both, family), vec), list(subgroup = I(both$subgroup))),
      call = code, error = r$error, warnings = r$warnings,
      output = if (is.null(r$error)) list(
        estimates = vec(env$est), ses = vec(env$se),
        q_between = num(env$res$QE), df = env$res$k - 1L, p_value = num(env$res$QEp))))
  }
}

# --------------------------------------------------------------------------- #
# write
# --------------------------------------------------------------------------- #
result <- list(
  meta = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    lme4_version = as.character(packageVersion("lme4")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    generated_by = "tests/metafor_pipeline_reference.R",
    input = "tests/data/pipeline_inputs.csv",
    input_md5 = unname(tools::md5sum(in_file)),
    settings = list(level = LEVEL, min_k_pi = MIN_K_PI, nagq = NAGQ, methods = METHODS),
    note = paste("Estimates, CIs and PIs on the natural scale (proportion, months, ratio);",
                 "b and se on the analysis scale. pi_* only for k >= min_k_pi.",
                 "tau2_ci is confint() with control tol=1e-10 and metafor's default search",
                 "range [0, tau2_ci_max = max(100, 10 tau2)]; tau2_ci_sign '>' marks a bound",
                 "beyond that range (printed as its end), '<' an empty CI at 0. GLMM q is",
                 "QE.Wld; GLMM has no confint() or weights(). weights are weights() in percent.",
                 "null = NA in R.")
  ),
  blocks = blocks
)
dir.create(dirname(out_file), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null"),
           out_file)
cat("wrote", length(blocks), "blocks to", out_file, "\n")
