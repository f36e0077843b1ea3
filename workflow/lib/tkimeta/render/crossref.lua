--[[
crossref.lua -- Quarto-style cross-references for plain pandoc (no Quarto).

Used by tkimeta.render (pandoc.py) for the offline path (pandoc -> HTML and
pandoc -> typst). It reproduces the subset of Quarto's crossref behaviour the
report uses:

  * headers are numbered ("1", "1.1", ...) when the metadata flag
    `tkimeta-number-sections` is true; `{.unnumbered}` / `{-}` headers are
    skipped.  Numbering is relative to the shallowest numbered header level.
  * figures  `![Cap](file.png){#fig-x}`  -> caption "Figure N: Cap"
  * tables   `: Cap {#tbl-x}` (after the table) -> caption "Table N: Cap"
  * refs     `@fig-x`, `@tbl-x`, `@sec-x` -> link "Figure N" / "Table N" /
             "Section N"; `[-@fig-x]` -> "N"; `[@fig-a; @tbl-b]` -> comma list;
             `@Fig-x` (capitalised) works like `@fig-x`.
  * images must exist locally (relative to the working directory) and must
    not point at remote URLs: the HTML is self-contained and the PDF is built
    offline.

Everything that cannot be resolved is collected and reported at once as
lines starting with "REPORT-ERROR: <kind>: <message>", which the Python side
turns into exceptions.  A non-breaking space separates "Figure" and the
number, as Quarto does.
]]

local NBSP = "\u{00A0}"
local KINDS = { fig = "Figure", tbl = "Table", sec = "Section" }
-- Tables of at most this many body rows are kept on one page in the PDF.
local SHORT_TABLE_ROWS = 16

local function table_rows(tbl)
  local n = 0
  for _, body in ipairs(tbl.bodies) do n = n + #body.body end
  return n
end

local errors = {}
local function report(kind, msg)
  table.insert(errors, "REPORT-ERROR: " .. kind .. ": " .. msg)
end

local refs = {}       -- id -> { kind = "fig"|"tbl"|"sec", number = "1.2" | nil }

local function meta_true(meta, key)
  local v = meta[key]
  if v == nil then return false end
  if type(v) == "boolean" then return v end
  local s = pandoc.utils.stringify(v):lower()
  return s == "true" or s == "yes" or s == "1"
end

local function prefix_of(id)
  return id:match("^(%a+)%-")
end

local function register(id, kind, number)
  if refs[id] ~= nil then
    report("duplicate-id", "cross-reference id '#" .. id .. "' is defined more than once")
    return
  end
  refs[id] = { kind = kind, number = number }
end

-- Prepend "Figure N: " to a caption (pandoc Caption: { short, long = Blocks }).
local function prefix_caption(caption, label)
  local lead = pandoc.Inlines({ pandoc.Str(label .. ":"), pandoc.Space() })
  local long = caption.long
  if #long == 0 then
    caption.long = pandoc.Blocks({ pandoc.Plain(pandoc.Inlines({ pandoc.Str(label) })) })
    return caption
  end
  local first = long[1]
  if first.t == "Plain" or first.t == "Para" then
    local content = pandoc.Inlines({})
    content:extend(lead)
    content:extend(first.content)
    first.content = content
    long[1] = first
  else
    long:insert(1, pandoc.Plain(lead))
  end
  caption.long = long
  return caption
end

local function is_remote(src)
  return src:match("^[%a][%w+.-]*://") ~= nil or src:match("^//") ~= nil
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

local function check_image(img)
  local src = img.src
  if src:match("^data:") then return end
  if is_remote(src) then
    report("remote-resource", "image '" .. src .. "' is a remote URL; the report must be "
      .. "self-contained (copy the file into the report directory)")
    return
  end
  local path = src:gsub("^/", "")      -- Quarto: leading '/' = project root
  path = path:gsub("%%20", " ")
  if not file_exists(path) then
    report("missing-figure", "image file '" .. src .. "' does not exist (looked in the "
      .. "render directory; generated figures must be copied there before rendering)")
  end
end

local function number_string(counters, from, to)
  local parts = {}
  for i = from, to do table.insert(parts, tostring(counters[i])) end
  return table.concat(parts, ".")
end

-- Quarto's tbl-colwidths: "auto" (let the browser/typst size the columns) or a
-- list of percentages "[60,40]"; per-table attribute overrides the document option.
local function apply_colwidths(tbl, default)
  local spec = tbl.attributes["tbl-colwidths"] or default
  tbl.attributes["tbl-colwidths"] = nil
  if spec == nil or spec == "" then return end
  local ncol = #tbl.colspecs
  local specs = pandoc.List({})
  if spec == "auto" then
    for i = 1, ncol do specs:insert({ tbl.colspecs[i][1], nil }) end
  else
    local widths = pandoc.List({})
    local total = 0
    for num in spec:gmatch("[%d%.]+") do
      widths:insert(tonumber(num)); total = total + tonumber(num)
    end
    if #widths ~= ncol or total <= 0 then
      report("bad-colwidths", "tbl-colwidths='" .. spec .. "' on table '" .. tbl.identifier
        .. "' does not give one width per column (" .. ncol .. " columns)")
      return
    end
    local scale = total > 100 and total or 100
    for i = 1, ncol do specs:insert({ tbl.colspecs[i][1], widths[i] / scale }) end
  end
  tbl.colspecs = specs
end

function Pandoc(doc)
  local number_sections = meta_true(doc.meta, "tkimeta-number-sections")
  local default_colwidths = nil
  if doc.meta["tkimeta-tbl-colwidths"] ~= nil then
    default_colwidths = pandoc.utils.stringify(doc.meta["tkimeta-tbl-colwidths"])
  end

  -- shallowest numbered header level
  local min_level = 7
  doc.blocks:walk({
    Header = function(h)
      if not h.classes:includes("unnumbered") and h.level < min_level then
        min_level = h.level
      end
    end,
  })

  local counters = { 0, 0, 0, 0, 0, 0 }
  local n_fig, n_tbl = 0, 0
  local in_figure = 0

  -- pass 1: number headers, figures and tables in document order
  doc.blocks = doc.blocks:walk({
    traverse = "topdown",
    Header = function(h)
      local id = h.identifier
      local numbered = number_sections and not h.classes:includes("unnumbered")
      if numbered then
        counters[h.level] = counters[h.level] + 1
        for i = h.level + 1, 6 do counters[i] = 0 end
        local num = number_string(counters, min_level, h.level)
        local content = pandoc.Inlines({
          pandoc.Span(pandoc.Inlines({ pandoc.Str(num) }), { class = "header-section-number" }),
          pandoc.Space(),
        })
        content:extend(h.content)
        h.content = content
        h.attributes["data-number"] = num
        if id ~= "" and prefix_of(id) == "sec" then register(id, "sec", num) end
      elseif id ~= "" and prefix_of(id) == "sec" then
        register(id, "sec", nil)
      end
      return h
    end,
    Figure = function(fig)
      local id = fig.identifier
      if prefix_of(id) == "fig" then
        n_fig = n_fig + 1
        register(id, "fig", tostring(n_fig))
        fig.caption = prefix_caption(fig.caption, "Figure" .. NBSP .. n_fig)
      end
      -- images inside figures are fine even with fig- ids
      fig.content = fig.content:walk({
        Image = function(img)
          if prefix_of(img.identifier) == "fig" then img.identifier = "" end
          return img
        end,
      })
      return fig
    end,
    Table = function(tbl)
      local id = tbl.identifier
      apply_colwidths(tbl, default_colwidths)
      if FORMAT == "typst" then
        -- pandoc writes AlignDefault as `auto`, which inherits the center
        -- alignment of the surrounding align(center): make it left, as in HTML.
        local specs = pandoc.List({})
        for _, cs in ipairs(tbl.colspecs) do
          local align = cs[1]
          if align == "AlignDefault" then align = "AlignLeft" end
          specs:insert({ align, cs[2] })
        end
        tbl.colspecs = specs
      end
      if prefix_of(id) == "tbl" then
        n_tbl = n_tbl + 1
        register(id, "tbl", tostring(n_tbl))
        tbl.caption = prefix_caption(tbl.caption, "Table" .. NBSP .. n_tbl)
      end
      if FORMAT == "typst" and table_rows(tbl) <= SHORT_TABLE_ROWS then
        -- a short table moves to the next page whole rather than leave its caption
        -- (and header row) alone at the foot of a page
        return pandoc.Blocks({ pandoc.RawBlock("typst", "#block(breakable: false)["), tbl,
                               pandoc.RawBlock("typst", "]") })
      end
      return tbl
    end,
  })

  -- pass 2: resolve references, check images
  doc.blocks = doc.blocks:walk({
    Image = function(img)
      check_image(img)
      -- Quarto semantics: a leading "/" means the project (= render) root.
      if not img.src:match("^data:") and not is_remote(img.src) then
        if FORMAT == "typst" then
          -- typst resolves "/x" against its root (the render directory), so the
          -- .typ file can live in a subdirectory.
          if img.src:sub(1, 1) ~= "/" then img.src = "/" .. img.src end
        else
          img.src = img.src:gsub("^/+", "")
        end
      end
      if prefix_of(img.identifier) == "fig" then
        report("figure-not-alone", "image with id '#" .. img.identifier .. "' is not alone in its "
          .. "paragraph, so it is not a figure; put it on its own line between blank lines")
      end
      return img
    end,
    Cite = function(cite)
      local out = pandoc.Inlines({})
      local all_known = true
      for _, c in ipairs(cite.citations) do
        local id = c.id
        local pfx = prefix_of(id)
        if pfx ~= nil then
          local lower = pfx:lower()
          if KINDS[lower] ~= nil and pfx ~= lower then
            id = lower .. id:sub(#pfx + 1)
            pfx = lower
          end
        end
        local ref = refs[id]
        if ref == nil then
          all_known = false
          if pfx ~= nil and KINDS[pfx] ~= nil then
            report("unresolved-ref", "cross-reference '@" .. c.id .. "' does not match any "
              .. "#" .. id .. " label in the document")
          else
            report("unresolved-ref", "'@" .. c.id .. "' is neither a cross-reference "
              .. "(@fig-, @tbl-, @sec-) nor supported as a citation; write references as a "
              .. "plain numbered list and escape a literal @ as \\@")
          end
        elseif ref.number == nil then
          all_known = false
          report("unnumbered-ref", "'@" .. c.id .. "' refers to an unnumbered section; "
            .. "set number-sections: true and do not mark the heading {.unnumbered}")
        else
          if #out > 0 then out:extend({ pandoc.Str(","), pandoc.Space() }) end
          if #c.prefix > 0 then
            out:extend(c.prefix); out:insert(pandoc.Space())
          end
          local text
          if c.mode == "SuppressAuthor" then
            text = ref.number
          else
            text = KINDS[ref.kind] .. NBSP .. ref.number
          end
          out:insert(pandoc.Link(pandoc.Inlines({ pandoc.Str(text) }), "#" .. id, "",
            { class = "quarto-xref" }))
          if #c.suffix > 0 then out:extend(c.suffix) end
        end
      end
      if not all_known then return cite end
      return out
    end,
  })

  if #errors > 0 then
    io.stderr:write(table.concat(errors, "\n") .. "\n")
    error("REPORT-ERRORS-END", 0)
  end
  return doc
end
