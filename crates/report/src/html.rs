//! HTML helpers: escaping, the page template, small table builders.

/// The page template (inline CSS, no external resources).
const PAGE: &str = include_str!("../templates/page.html");

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Fills the page template. `title`, `subtitle` and `footer` are text (escaped here);
/// `alerts` and `body` are HTML.
pub(crate) fn page(title: &str, subtitle: &str, alerts: &str, body: &str, footer: &str) -> String {
    // Single pass, so a placeholder-like string inside a value is never substituted again.
    let mut out = String::with_capacity(PAGE.len() + body.len() + alerts.len());
    let mut rest = PAGE;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        match &after[..end] {
            "title" => out.push_str(&escape(title)),
            "subtitle" => out.push_str(&escape(subtitle)),
            "footer" => out.push_str(&escape(footer)),
            "alerts" => out.push_str(alerts),
            "body" => out.push_str(body),
            other => {
                out.push_str("{{");
                out.push_str(other);
                out.push_str("}}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A table cell: text and whether it is numeric (right-aligned).
pub(crate) enum Cell {
    /// Text, left-aligned.
    Text(String),
    /// A formatted number, right-aligned.
    Num(String),
}

/// An HTML table from a header row and body rows; `row_class` gives an optional class per row.
pub(crate) fn table(
    class: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
    row_class: impl Fn(usize) -> Option<&'static str>,
) -> String {
    let mut s = if class.is_empty() {
        "<table>\n<thead><tr>".to_owned()
    } else {
        format!("<table class=\"{}\">\n<thead><tr>", escape(class))
    };
    for (i, h) in header.iter().enumerate() {
        let numeric = rows.first().and_then(|r| r.get(i)).is_some_and(|c| matches!(c, Cell::Num(_)));
        if numeric {
            s.push_str(&format!("<th class=\"num\">{}</th>", escape(h)));
        } else {
            s.push_str(&format!("<th>{}</th>", escape(h)));
        }
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in rows.iter().enumerate() {
        match row_class(i) {
            Some(c) => s.push_str(&format!("<tr class=\"{c}\">")),
            None => s.push_str("<tr>"),
        }
        for cell in row {
            match cell {
                Cell::Text(t) => s.push_str(&format!("<td>{}</td>", escape(t))),
                Cell::Num(t) => s.push_str(&format!("<td class=\"num\">{}</td>", escape(t))),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// A two-column facts table (`th` label, `td` value), skipping facts without a value.
pub(crate) fn facts(rows: &[(&str, Option<String>)]) -> String {
    let mut s = "<table class=\"facts\">\n".to_owned();
    for (k, v) in rows {
        if let Some(v) = v {
            s.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>\n", escape(k), escape(v)));
        }
    }
    s.push_str("</table>\n");
    s
}

/// A figure with an image (relative file name) and a caption.
pub(crate) fn figure(file: &str, alt: &str, caption: &str) -> String {
    format!(
        "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
        escape(file),
        escape(alt),
        escape(caption)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn page_fills_placeholders_once() {
        let p = page("T <1>", "{{body}}", "", "<p>B</p>", "f");
        assert!(p.contains("<title>T &lt;1&gt;</title>"));
        assert!(p.contains("<p class=\"subtitle\">{{body}}</p>"));
        assert!(p.contains("<p>B</p>"));
        assert!(!p.contains("{{title}}"));
    }
}
