#!/usr/bin/env Rscript
# Regenerates tests/data/metafor_reference.json: metafor's results on fixed
# inputs, which tests/test_stats_*.py compare tkimeta.stats against.
#
# The Python tests only read the JSON; R is needed only to regenerate it:
#   apt-get install -y r-base-core r-cran-metafor r-cran-lme4 r-cran-jsonlite
#   Rscript tests/metafor_reference.R
#
# Every block stores its inputs, the exact R code that produced the output
# (evaluated from that very string, so the two cannot drift apart), and the
# output.  No random numbers are used: the "large k" data are deterministic.

suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

script_dir <- local({
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) dirname(normalizePath(sub("^--file=", "", arg[1]))) else getwd()
})
out_file <- file.path(script_dir, "data", "metafor_reference.json")

blocks <- list()
add_block <- function(block) blocks[[length(blocks) + 1L]] <<- block

# Evaluate `code` in a fresh environment holding `inputs`; return that
# environment (or the error message).
run <- function(code, inputs) {
  env <- list2env(inputs, parent = globalenv())
  err <- tryCatch({
    suppressWarnings(suppressMessages(eval(parse(text = code), envir = env)))
    NULL
  }, error = function(e) conditionMessage(e))
  list(env = env, error = err)
}

num <- function(v) if (is.null(v)) NA_real_ else as.numeric(v)
vec <- function(v) I(as.numeric(v))  # keep length-1 vectors as JSON arrays

# --------------------------------------------------------------------------- #
# data
# --------------------------------------------------------------------------- #
large_i <- 1:50
large_n <- 30 + (large_i * 37) %% 90
large_p <- 0.25 + 0.12 * sin(large_i)
large_x <- round(large_n * large_p)

prop_sets <- list(
  orr_seed     = list(x = c(11, 9, 20, 6),   n = c(68, 72, 82, 32)),
  orr_seed_alt = list(x = c(11, 8, 20, 6),   n = c(68, 72, 82, 32)),
  dcr_seed_k2  = list(x = c(52, 62),         n = c(68, 72)),
  zero_events  = list(x = c(0, 3, 5, 1, 2),  n = c(25, 40, 38, 30, 45)),
  rare_events  = list(x = c(1, 0, 0, 0, 2),  n = c(100, 120, 80, 90, 150)),
  all_events   = list(x = c(20, 18, 30, 25), n = c(20, 22, 35, 31)),
  homogeneous  = list(x = c(10, 22, 14, 31), n = c(100, 200, 150, 300)),
  heterogeneous = list(x = c(2, 30, 8, 45, 12, 3), n = c(40, 60, 50, 70, 80, 35)),
  large_k50    = list(x = large_x,           n = large_n),
  single_k1    = list(x = 11,                n = 68)
)

gen_sets <- list(
  log_median_pfs = list(yi = log(c(6.9, 8.4, 5.6, 11.2, 7.3)),
                        sei = c(0.12, 0.15, 0.18, 0.10, 0.22)),
  log_hr_os      = list(yi = log(c(0.62, 0.71, 0.55, 0.80, 0.68, 0.90)),
                        sei = c(0.14, 0.11, 0.20, 0.09, 0.16, 0.12)),
  generic_k2     = list(yi = c(0.2, 0.9), sei = c(0.15, 0.2)),
  generic_homog  = list(yi = c(0.10, 0.12, 0.09, 0.11), sei = c(0.10, 0.12, 0.15, 0.20)),
  generic_k50    = list(yi = 0.3 * sin(large_i) + 0.05 * cos(3 * large_i),
                        sei = sqrt(0.02 + 0.01 * ((large_i * 7) %% 5))),
  generic_k1     = list(yi = 0.4, sei = 0.2)
)

methods <- c("FE", "DL", "REML", "ML")
tests <- c("z", "knha")

# --------------------------------------------------------------------------- #
# block helpers
# --------------------------------------------------------------------------- #
rma_output <- function(env) {
  res <- env$res
  pr <- env$pr
  out <- list(
    estimate = num(res$b), se = num(res$se), ci_lower = num(res$ci.lb),
    ci_upper = num(res$ci.ub), zval = num(res$zval), pval = num(res$pval),
    pi_lower = num(pr$pi.lb), pi_upper = num(pr$pi.ub),
    tau2 = num(res$tau2), i2 = num(res$I2), h2 = num(res$H2),
    q = num(res$QE), q_pvalue = num(res$QEp), k = res$k, s2w = num(res$s2w),
    weights = vec(weights(res))
  )
  if (!is.null(env$ci)) {
    out$tau2_ci <- vec(env$ci$random["tau^2", c("ci.lb", "ci.ub")])
    out$tau2_ci_default_tol <- vec(env$ci0$random["tau^2", c("ci.lb", "ci.ub")])
    out$tau2_ci_wide <- vec(env$ciw$random["tau^2", c("ci.lb", "ci.ub")])
    out$tau2_ci_max <- max(100, 10 * res$tau2)  # confint()'s default search range upper end
  }
  out
}

rma_code <- function(yi_part, method, test, k) {
  code <- sprintf('res <- rma(%s, method="%s", test="%s"); pr <- predict(res)', yi_part, method, test)
  if (method != "FE" && k > 1)
    code <- paste0(code, '; ci <- confint(res, control=list(tol=1e-10)); ci0 <- confint(res); ',
                   'ciw <- confint(res, control=list(tol=1e-10, tau2.max=1e4))')
  code
}

# --------------------------------------------------------------------------- #
# proportions: escalc, rma on logits, PFT, GLMM
# --------------------------------------------------------------------------- #
for (nm in names(prop_sets)) {
  d <- prop_sets[[nm]]
  k <- length(d$x)
  inputs <- list(x = vec(d$x), n = vec(d$n))

  for (meas in c("PLO", "PFT")) {
    code <- sprintf('dat <- escalc(measure="%s", xi=x, ni=n)', meas)
    r <- run(code, d)
    add_block(list(kind = "escalc", dataset = nm, measure = meas, inputs = inputs, call = code,
                   output = list(yi = vec(r$env$dat$yi), vi = vec(r$env$dat$vi))))
  }

  for (m in methods) for (t in tests) {
    code <- paste0('dat <- escalc(measure="PLO", xi=x, ni=n); ',
                   rma_code("yi, vi, data=dat", m, t, k))
    r <- run(code, d)
    add_block(list(kind = "rma", dataset = nm, scale = "logit", method = m, test = t,
                   inputs = inputs, call = code,
                   error = r$error, output = if (is.null(r$error)) rma_output(r$env)))
  }

  if (k > 1) for (m in c("DL", "REML")) for (t in tests) {
    code <- paste0('dat <- escalc(measure="PFT", xi=x, ni=n); ',
                   rma_code("yi, vi, data=dat", m, t, k),
                   '; bt <- predict(res, transf=transf.ipft.hm, targs=list(ni=n))')
    r <- run(code, d)
    bt <- r$env$bt
    add_block(list(kind = "pft", dataset = nm, method = m, test = t, inputs = inputs,
                   call = code, error = r$error,
                   output = if (is.null(r$error)) c(rma_output(r$env), list(
                     prop = num(bt$pred), prop_ci_lower = num(bt$ci.lb),
                     prop_ci_upper = num(bt$ci.ub), prop_pi_lower = num(bt$pi.lb),
                     prop_pi_upper = num(bt$pi.ub)))))
  }

  code <- paste0('res <- rma.glmm(measure="PLO", xi=x, ni=n, retfit=TRUE); pr <- predict(res); ',
                 'bt <- predict(res, transf=transf.ilogit)')
  r <- run(code, d)
  out <- NULL
  if (is.null(r$error)) {
    res <- r$env$res; pr <- r$env$pr; bt <- r$env$bt
    out <- list(estimate = num(res$b), se = num(res$se), ci_lower = num(res$ci.lb),
                ci_upper = num(res$ci.ub), zval = num(res$zval), pval = num(res$pval),
                pi_lower = num(pr$pi.lb), pi_upper = num(pr$pi.ub), tau2 = num(res$tau2),
                i2 = num(res$I2), h2 = num(res$H2),
                qe_wald = num(res$QE.Wld), qe_wald_pvalue = num(res$QEp.Wld),
                qe_lrt = num(res$QE.LRT), qe_lrt_pvalue = num(res$QEp.LRT),
                q_df = num(res$QE.df), k = res$k, metafor_loglik = num(logLik(res)),
                lme4_loglik = num(logLik(res$res.ML)),
                prop = num(bt$pred), prop_ci_lower = num(bt$ci.lb), prop_ci_upper = num(bt$ci.ub),
                prop_pi_lower = num(bt$pi.lb), prop_pi_upper = num(bt$pi.ub))
  }
  add_block(list(kind = "glmm", dataset = nm, inputs = inputs, call = code,
                 nAGQ_default = formals(rma.glmm)$nAGQ, error = r$error, output = out))
}

# --------------------------------------------------------------------------- #
# generic estimates with standard errors (log medians, log HRs, ...)
# --------------------------------------------------------------------------- #
for (nm in names(gen_sets)) {
  d <- gen_sets[[nm]]
  k <- length(d$yi)
  inputs <- list(yi = vec(d$yi), sei = vec(d$sei))
  for (m in methods) for (t in tests) {
    code <- rma_code("yi=yi, sei=sei", m, t, k)
    r <- run(code, d)
    add_block(list(kind = "rma", dataset = nm, scale = "generic", method = m, test = t,
                   inputs = inputs, call = code,
                   error = r$error, output = if (is.null(r$error)) rma_output(r$env)))
  }
}

# --------------------------------------------------------------------------- #
# odds ratios from 2x2 tables (escalc "OR", add=1/2, to="only0", drop00=FALSE)
# --------------------------------------------------------------------------- #
or_tab <- list(ai = c(12, 0, 5, 0, 30), bi = c(38, 25, 45, 20, 10),
               ci = c(8, 4, 0, 0, 20), di = c(42, 21, 50, 22, 20))
code <- 'dat <- escalc(measure="OR", ai=ai, bi=bi, ci=ci, di=di)'
r <- run(code, or_tab)
add_block(list(kind = "escalc", dataset = "or_tables", measure = "OR",
               inputs = lapply(or_tab, vec), call = code,
               output = list(yi = vec(r$env$dat$yi), vi = vec(r$env$dat$vi))))

# --------------------------------------------------------------------------- #
# subgroup differences: separate RE models, then FE Wald test on the estimates
# --------------------------------------------------------------------------- #
sub_sets <- list(
  orr_two_groups = list(x = c(11, 9, 20, 6, 15, 7, 12, 3), n = c(68, 72, 82, 32, 60, 45, 50, 28),
                        grp = c("lenvatinib", "lenvatinib", "lenvatinib", "lenvatinib",
                                "apatinib", "apatinib", "apatinib", "apatinib")),
  orr_three_groups_singleton = list(x = c(11, 9, 20, 6, 15, 7, 12, 3), n = c(68, 72, 82, 32, 60, 45, 50, 28),
                                    grp = c("A", "A", "A", "B", "B", "B", "C", "C")),
  orr_singleton_group = list(x = c(11, 9, 20, 6, 15), n = c(68, 72, 82, 32, 60),
                             grp = c("A", "A", "A", "A", "B"))
)
for (nm in names(sub_sets)) {
  d <- sub_sets[[nm]]
  for (m in c("REML", "DL")) for (t in tests) {
    code <- sprintf(paste0(
      'dat <- escalc(measure="PLO", xi=x, ni=n); g <- factor(grp, levels=unique(grp)); ',
      'fits <- lapply(split(seq_along(g), g), function(i) rma(dat$yi[i], dat$vi[i], method="%s", test="%s")); ',
      'est <- sapply(fits, function(f) c(coef(f))); se <- sapply(fits, function(f) f$se); ',
      'res <- rma(yi=est, sei=se, method="FE")'), m, t)
    r <- run(code, d)
    env <- r$env
    add_block(list(kind = "subgroup", dataset = nm, method = m, test = t,
                   inputs = list(x = vec(d$x), n = vec(d$n), groups = I(d$grp)), call = code,
                   error = r$error,
                   output = if (is.null(r$error)) list(
                     groups = I(names(env$fits)),
                     estimates = vec(env$est), ses = vec(env$se),
                     tau2 = vec(sapply(env$fits, function(f) f$tau2)),
                     k = vec(sapply(env$fits, function(f) f$k)),
                     q_between = num(env$res$QE), df = env$res$k - 1,
                     pvalue = num(env$res$QEp))))
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
    generated_by = "tests/metafor_reference.R",
    note = paste("Levels are 95%. tau2_ci is confint() with control tol=1e-10;",
                 "tau2_ci_default_tol is confint() with its default uniroot tol (eps^0.25).",
                 "tau2_ci_wide also widens the search range (tau2.max=1e4); tau2_ci_max is the",
                 "default range's upper end, reported by confint() when the bound lies beyond it.",
                 "weights are metafor weights() in percent. null = NA in R.")
  ),
  blocks = blocks
)
dir.create(dirname(out_file), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null", null = "null"),
           out_file)
cat("wrote", length(blocks), "blocks to", out_file, "\n")
