//! The server-rendered templates (`templates/`), compiled into the binary and parsed once.
//! Names ending `.html` are escaped: what a template is given is text, never markup.

use std::sync::OnceLock;

use minijinja::Environment;

const TEMPLATES: [(&str, &str); 44] = [
    ("letter.html", include_str!("../templates/letter.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    ("family.html", include_str!("../templates/family.html")),
    ("calendar.html", include_str!("../templates/calendar.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("staff.html", include_str!("../templates/staff.html")),
    ("alert_contacts.html", include_str!("../templates/alert_contacts.html")),
    ("snoozed.html", include_str!("../templates/snoozed.html")),
    ("respond.html", include_str!("../templates/respond.html")),
    ("rota.html", include_str!("../templates/rota.html")),
    ("referrals.html", include_str!("../templates/referrals.html")),
    ("follow_up.html", include_str!("../templates/follow_up.html")),
    ("follow_up_person.html", include_str!("../templates/follow_up_person.html")),
    ("talk.html", include_str!("../templates/talk.html")),
    ("help.html", include_str!("../templates/help.html")),
    ("line_link.html", include_str!("../templates/line_link.html")),
    ("addresses.html", include_str!("../templates/addresses.html")),
    ("resident.html", include_str!("../templates/resident.html")),
    ("invitation.html", include_str!("../templates/invitation.html")),
    ("outcomes_block.html", include_str!("../templates/outcomes_block.html")),
    ("admin.html", include_str!("../templates/admin.html")),
    ("dead_letters.html", include_str!("../templates/dead_letters.html")),
    ("fields.html", include_str!("../templates/fields.html")),
    ("places.html", include_str!("../templates/places.html")),
    ("confirm_event.html", include_str!("../templates/confirm_event.html")),
    ("new_resident.html", include_str!("../templates/new_resident.html")),
    ("outcomes.html", include_str!("../templates/outcomes.html")),
    ("setup.html", include_str!("../templates/setup.html")),
    ("admin_nav.html", include_str!("../templates/admin_nav.html")),
    ("admin_org_fields.html", include_str!("../templates/admin_org_fields.html")),
    ("admin_organizations.html", include_str!("../templates/admin_organizations.html")),
    ("admin_organization.html", include_str!("../templates/admin_organization.html")),
    ("admin_accounts.html", include_str!("../templates/admin_accounts.html")),
    ("admin_account.html", include_str!("../templates/admin_account.html")),
    ("admin_partners.html", include_str!("../templates/admin_partners.html")),
    ("admin_secret.html", include_str!("../templates/admin_secret.html")),
    ("admin_log.html", include_str!("../templates/admin_log.html")),
    ("admin_person.html", include_str!("../templates/admin_person.html")),
    ("admin_retention.html", include_str!("../templates/admin_retention.html")),
    ("imports.html", include_str!("../templates/imports.html")),
    ("import_preview.html", include_str!("../templates/import_preview.html")),
];

/// `t("日本語", "English")`: the words in the page's language (its `lang`), so that a
/// template keeps both languages beside the markup they belong to.
fn in_language(state: &minijinja::State, ja: String, en: String) -> String {
    match state.lookup("lang").as_ref().and_then(minijinja::Value::as_str) {
        Some("en") => en,
        _ => ja,
    }
}

fn english(state: &minijinja::State) -> bool {
    state.lookup("lang").as_ref().and_then(minijinja::Value::as_str) == Some("en")
}

/// `paren(x)`: 「（x）」 on a Japanese page, " (x)" on an English one.
fn paren(state: &minijinja::State, inner: minijinja::Value) -> String {
    if english(state) {
        format!(" ({inner})")
    } else {
        format!("（{inner}）")
    }
}

/// `colon()`: 「：」 on a Japanese page, ": " on an English one.
fn colon(state: &minijinja::State) -> &'static str {
    if english(state) {
        ": "
    } else {
        "："
    }
}

/// `sep()`: 「・」 between two things on a Japanese page, ", " on an English one.
fn sep(state: &minijinja::State) -> &'static str {
    if english(state) {
        ", "
    } else {
        "・"
    }
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut environment = Environment::new();
        environment.add_function("t", in_language);
        environment.add_function("paren", paren);
        environment.add_function("colon", colon);
        environment.add_function("sep", sep);
        for (name, source) in TEMPLATES {
            // A template that does not parse fails every render of it, which the tests see.
            if let Err(err) = environment.add_template(name, source) {
                tracing::error!(template = name, error = %err, "template does not parse");
            }
        }
        environment
    })
}

/// A URL we built goes into `href` or `action` as it is (minijinja would write every `/` as
/// `&#x2f;`), unless it holds a character that means something in HTML.
pub fn url_value(url: &str) -> minijinja::Value {
    if url.contains(['"', '\'', '<', '>', '&']) {
        minijinja::Value::from(url)
    } else {
        minijinja::Value::from_safe_string(url.to_owned())
    }
}

/// A QR code of `text` as SVG, with no XML declaration, so that it serves both as an
/// `image/svg+xml` answer and inline in a page.
pub fn qr_svg(text: &str) -> Result<String, qrcode::types::QrError> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let svg = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
}

pub fn render(name: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
    environment().get_template(name)?.render(context)
}

/// What the macro `name` of `template` writes for `args` on a page in `language`: markup,
/// escaped as the template escapes, to be placed in a page as it is.
pub fn render_macro(
    template: &str,
    name: &str,
    language: crate::domain::Language,
    args: &[minijinja::Value],
) -> Result<String, minijinja::Error> {
    let captured =
        environment().get_template(template)?.render_captured(minijinja::context! { lang => language.as_str() })?;
    Ok(captured.state().call_macro(name, args)?.trim().to_owned())
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
        assert!(page.contains("サインアウト") || page.contains("つなぐ"));
        let english = render("page.html", minijinja::context! { title => "t", text => "x", lang => "en" }).unwrap();
        assert!(english.contains("Tsunagu") && !english.contains("つなぐ</a>"));
    }
}
