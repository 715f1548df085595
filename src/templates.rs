//! The server-rendered templates (`templates/`), compiled into the binary and parsed once.
//! Names ending `.html` are escaped: what a template is given is text, never markup.

use std::sync::OnceLock;

use minijinja::Environment;

const TEMPLATES: [(&str, &str); 4] = [
    ("letter.html", include_str!("../templates/letter.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    ("app.html", include_str!("../templates/app.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut environment = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not parse fails every render of it, which the tests see.
            if let Err(err) = environment.add_template(name, source) {
                tracing::error!(template = name, error = %err, "template does not parse");
            }
        }
        environment
    })
}

pub fn render(name: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
    environment().get_template(name)?.render(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes() {
        for (name, _) in TEMPLATES {
            assert!(environment().get_template(name).is_ok(), "{name}");
        }
        let page = render("page.html", minijinja::context! { title => "<b>", text => "x", lang => "ja" }).unwrap();
        assert!(page.contains("&lt;b&gt;") && !page.contains("<b>"));
    }
}
