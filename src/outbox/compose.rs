//! What an e-mail or a text says, in the recipient's language. Texts, e-mail subjects and
//! greetings are read on lock screens and shared phones: they say only that there is a notice,
//! with a link (「つなぐ：大切なお知らせがあります」) — never a name, a milestone, a risk word, a
//! lapse or a code. An e-mail's body names the period, its dates and why, and the person's
//! display name only for a reader who opted in to detailed e-mail. Composed when the message is
//! written, so a retry sends the same words.

use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{channels::sms, risk::Severity, Language};

/// An e-mail as it will be sent, and what it gives its reader about whom.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailPayload {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The RFC 8058 one-click address; none on a confirmation, which only asks.
    pub unsubscribe_url: Option<String>,
    #[serde(default)]
    pub provides: Vec<Provided>,
}

/// A text as it will be sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmsPayload {
    pub body: String,
    #[serde(default)]
    pub provides: Vec<Provided>,
}

/// What a message tells about one person, and the link (consent) it relies on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Provided {
    pub person_id: Uuid,
    pub link_id: Option<Uuid>,
    pub items: String,
}

/// One coming period, as a message names it.
#[derive(Debug, Clone)]
pub struct Period<'a> {
    pub person_name: &'a str,
    pub title: &'a str,
    pub why: &'a str,
    pub severity: Severity,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

pub(super) fn severity_label(severity: Severity, language: Language) -> &'static str {
    match (severity, language) {
        (Severity::Critical, Language::Ja) => "緊急",
        (Severity::High, Language::Ja) => "高",
        (Severity::Notice, Language::Ja) => "お知らせ",
        (Severity::Critical, Language::En) => "critical",
        (Severity::High, Language::En) => "high",
        (Severity::Notice, Language::En) => "notice",
    }
}

pub(super) struct Item {
    pub(super) title: String,
    pub(super) person: String,
    pub(super) dates: String,
    pub(super) severity: &'static str,
    pub(super) why: String,
}

pub(super) fn item(period: &Period<'_>, language: Language) -> Item {
    Item {
        title: period.title.to_owned(),
        person: match language {
            Language::Ja => format!("{}さん", period.person_name),
            Language::En => period.person_name.to_owned(),
        },
        dates: match language {
            Language::Ja => format!("{} 〜 {}", period.starts_on, period.ends_on),
            Language::En => format!("{} to {}", period.starts_on, period.ends_on),
        },
        severity: severity_label(period.severity, language),
        why: period.why.to_owned(),
    }
}

pub(super) struct Letter<'a> {
    pub(super) language: Language,
    pub(super) subject: String,
    pub(super) greeting: String,
    pub(super) intro: Option<String>,
    pub(super) items: Vec<Item>,
    pub(super) link: &'a str,
    pub(super) link_label: &'static str,
    pub(super) unsubscribe_url: Option<String>,
}

pub(super) fn render(letter: Letter<'_>, provides: Vec<Provided>) -> EmailPayload {
    let (unsubscribe_label, closing) = match letter.language {
        Language::Ja => ("このアドレスへの配信を停止する", "このアドレスへの配信を停止する："),
        Language::En => ("Stop e-mail to this address", "Stop e-mail to this address: "),
    };
    let mut text = format!("{}\n\n", letter.greeting);
    if let Some(intro) = &letter.intro {
        text.push_str(&format!("{intro}\n\n"));
    }
    for item in &letter.items {
        text.push_str(&format!("■ {}\n{} · {} · {}\n", item.title, item.person, item.dates, item.severity));
        if !item.why.is_empty() {
            text.push_str(&format!("{}\n", item.why));
        }
        text.push('\n');
    }
    text.push_str(&format!("{}: {}\n", letter.link_label, letter.link));
    if let Some(url) = &letter.unsubscribe_url {
        text.push_str(&format!("\n{closing}{url}\n"));
    }
    let items: Vec<minijinja::Value> = letter
        .items
        .iter()
        .map(|item| {
            context! { title => item.title, person => item.person, dates => item.dates,
            severity => item.severity, why => item.why }
        })
        .collect();
    // `.html` names turn on escaping: a display name or a rule's wording is text, never markup.
    let html = crate::templates::render(
        "letter.html",
        context! {
            lang => letter.language.as_str(), subject => letter.subject, greeting => letter.greeting,
            intro => letter.intro, items => items, link => crate::templates::url_value(letter.link), link_label => letter.link_label,
            unsubscribe_url => letter.unsubscribe_url.as_deref().map(crate::templates::url_value), unsubscribe_label => unsubscribe_label,
        },
    )
    // The template is fixed and checked by the tests; should it fail, the text part still tells all.
    .unwrap_or_else(|_| format!("<pre>{}</pre>", minijinja::HtmlEscape(&text)));
    EmailPayload { subject: letter.subject, text, html, unsubscribe_url: letter.unsubscribe_url, provides }
}

/// No name, not even the reader's own: the first line is what a lock screen shows.
pub(super) fn greeting(language: Language) -> String {
    match language {
        Language::Ja => "つなぐからのお知らせです。".to_owned(),
        Language::En => "A notice from Tsunagu.".to_owned(),
    }
}

/// The one subject every alert and digest e-mail carries.
pub fn notice_subject(language: Language) -> &'static str {
    match language {
        Language::Ja => "【つなぐ】大切なお知らせがあります",
        Language::En => "Tsunagu: you have an important notice",
    }
}

/// What a plain (not detailed) alert or digest says in its body.
fn plain_intro(language: Language) -> String {
    match language {
        Language::Ja => "つなぐに新しいお知らせがあります。くわしくは、サインインしてご確認ください。".to_owned(),
        Language::En => "There is something new for you in Tsunagu. Sign in to see it.".to_owned(),
    }
}

pub(super) fn link_label(language: Language) -> &'static str {
    match language {
        Language::Ja => "つなぐで見る",
        Language::En => "Open in Tsunagu",
    }
}

/// An alert by e-mail: the period itself in the body only when `detailed`.
pub fn alert_email(
    period: &Period<'_>,
    language: Language,
    service_url: &str,
    unsubscribe_url: String,
    provided: Provided,
    detailed: bool,
) -> EmailPayload {
    let intro = match (detailed, language) {
        (false, _) => plain_intro(language),
        (true, Language::Ja) => format!("{}さんについて、次の期間が近づいています。", period.person_name),
        (true, Language::En) => format!("A period is coming up for {}.", period.person_name),
    };
    let letter = Letter {
        language,
        subject: notice_subject(language).to_owned(),
        greeting: greeting(language),
        intro: Some(intro),
        items: if detailed { vec![item(period, language)] } else { Vec::new() },
        link: service_url,
        link_label: link_label(language),
        unsubscribe_url: Some(unsubscribe_url),
    };
    render(letter, vec![provided])
}

/// The day's digest: every period of the next seven days, for each of the reader's persons,
/// listed only when `detailed`.
#[allow(clippy::too_many_arguments)]
pub fn digest_email(
    periods: &[Period<'_>],
    on: NaiveDate,
    language: Language,
    service_url: &str,
    unsubscribe_url: String,
    provides: Vec<Provided>,
    detailed: bool,
) -> EmailPayload {
    let intro = match (detailed, language) {
        (false, _) => plain_intro(language),
        (true, Language::Ja) => format!("{on}から7日間に始まる、または続いている期間です。"),
        (true, Language::En) => format!("Periods under way or starting in the 7 days from {on}."),
    };
    let letter = Letter {
        language,
        subject: notice_subject(language).to_owned(),
        greeting: greeting(language),
        intro: Some(intro),
        items: if detailed { periods.iter().map(|period| item(period, language)).collect() } else { Vec::new() },
        link: service_url,
        link_label: link_label(language),
        unsubscribe_url: Some(unsubscribe_url),
    };
    render(letter, provides)
}

/// Asks the owner of a new address to confirm it; says nothing of anyone.
pub fn confirmation_email(language: Language, confirm_url: &str) -> EmailPayload {
    let (subject, intro, label) = match language {
        Language::Ja => (
            "【つなぐ】メールアドレスの確認",
            "このアドレスでつなぐからのお知らせを受け取るには、下のリンクを開いて「確認する」を押してください。心当たりがなければ、このメールは無視してください。何も届きません。",
            "アドレスを確認する",
        ),
        Language::En => (
            "Tsunagu: confirm your e-mail address",
            "To receive Tsunagu's alerts at this address, open the link below and press Confirm. If you did not expect this, ignore it: nothing more will be sent.",
            "Confirm this address",
        ),
    };
    notice_email(language, subject, intro, confirm_url, label)
}

/// A letter to one address about the address's own owner (a confirmation, a sign-in code, an
/// invitation): one paragraph and one link, no stop link since it is no alert.
pub fn notice_email(
    language: Language,
    subject: &str,
    intro: &str,
    link: &str,
    link_label: &'static str,
) -> EmailPayload {
    let letter = Letter {
        language,
        subject: subject.to_owned(),
        greeting: greeting(language),
        intro: Some(intro.to_owned()),
        items: Vec::new(),
        link,
        link_label,
        unsubscribe_url: None,
    };
    render(letter, Vec::new())
}

/// How every text ends: how to stop.
pub fn stop_footer(language: Language) -> &'static str {
    match language {
        Language::Ja => " 停止はSTOPと返信",
        Language::En => " Reply STOP to stop",
    }
}

/// An alert by text: that there is a notice, and the link; nothing about whom or what.
pub fn alert_sms(language: Language, service_url: &str, provided: Provided) -> SmsPayload {
    let body = match language {
        Language::Ja => format!("つなぐ：大切なお知らせがあります {service_url}"),
        Language::En => format!("Tsunagu: you have an important notice {service_url}"),
    };
    SmsPayload { body: sms::fit(&body, stop_footer(language)), provides: vec![provided] }
}

/// What a LINE message says is there: a kind of notice, never what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// An alert: a day that matters is coming.
    DayComing,
    /// A notice that something told before changed.
    Changed,
    /// A team alert, to a staff member.
    TeamAlert,
    /// A hand-over, to the staff member coming on duty.
    Handover,
    /// A way to sign in was added to the reader's account.
    AccountChanged,
}

/// A LINE message: 「つなぐからお知らせがあります。」, what kind, and the link. No name, no
/// milestone or risk words, nothing from a note: the content stays in Tsunagu.
pub fn line_notice(language: Language, notice: Notice, url: &str, provides: Vec<Provided>) -> SmsPayload {
    let kind = match (notice, language) {
        (Notice::DayComing, Language::Ja) => "大切な日が近づいています。",
        (Notice::DayComing, Language::En) => "An important day is coming.",
        (Notice::Changed, Language::Ja) => "お知らせした予定が変わりました。",
        (Notice::Changed, Language::En) => "Something you were told of has changed.",
        (Notice::TeamAlert, Language::Ja) => "入居者1名の重要なお知らせです。",
        (Notice::TeamAlert, Language::En) => "An important notice about 1 resident.",
        (Notice::Handover, Language::Ja) => "引き継ぎがあります。",
        (Notice::Handover, Language::En) => "There is a hand-over for your shift.",
        (Notice::AccountChanged, Language::Ja) => {
            "アカウントにサインイン方法が追加されました。心当たりがなければ、つなぐでご確認ください。"
        }
        (Notice::AccountChanged, Language::En) => {
            "A way to sign in was added to your account. Not you? Check in Tsunagu."
        }
    };
    let body = match (language, url) {
        (Language::Ja, "") => format!("つなぐからお知らせがあります。{kind}"),
        (Language::En, "") => format!("Tsunagu has a notice for you. {kind}"),
        (Language::Ja, url) => format!("つなぐからお知らせがあります。{kind}\n{url}"),
        (Language::En, url) => format!("Tsunagu has a notice for you. {kind}\n{url}"),
    };
    SmsPayload { body, provides }
}

/// Asks the owner of a new number to confirm it.
pub fn confirmation_sms(language: Language, confirm_url: &str) -> SmsPayload {
    let body = match language {
        Language::Ja => format!("つなぐ：この番号で通知を受け取るには開いて確認してください {confirm_url}"),
        Language::En => format!("Tsunagu: to get alerts at this number, open and confirm {confirm_url}"),
    };
    SmsPayload { body: sms::fit(&body, stop_footer(language)), provides: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period<'a>(name: &'a str, title: &'a str) -> Period<'a> {
        Period {
            person_name: name,
            title,
            why: "The first weeks after release carry the highest risk.",
            severity: Severity::Critical,
            starts_on: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2027, 1, 9).unwrap(),
        }
    }

    fn provided() -> Provided {
        Provided { person_id: Uuid::nil(), link_id: None, items: "alert".into() }
    }

    #[test]
    fn a_display_name_is_text_in_the_html_part_never_markup() {
        let mail = alert_email(
            &period("<script>x</script>", "Release"),
            Language::En,
            "https://t.example/",
            "https://t.example/u/abc".into(),
            provided(),
            true,
        );
        assert!(!mail.html.contains("<script>x"), "{}", mail.html);
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail.text.contains("<script>x</script>"), "the text part is plain text");
        assert!(mail.text.contains("https://t.example/u/abc") && mail.html.contains("https://t.example/u/abc"));
    }

    #[test]
    fn a_plain_alert_says_there_is_a_notice_and_nothing_of_whom_or_what() {
        for language in [Language::Ja, Language::En] {
            let period = period("花子", "釈放直後");
            let mail = alert_email(
                &period,
                language,
                "https://t.example/",
                "https://t.example/u/abc".into(),
                provided(),
                false,
            );
            let text = alert_sms(language, "https://t.example/", provided());
            for words in [&mail.subject, &mail.text, &mail.html, &text.body] {
                assert!(!words.contains("花子") && !words.contains("釈放直後") && !words.contains("12"), "{words}");
            }
            assert_eq!(mail.subject, notice_subject(language));
            assert!(text.body.contains("https://t.example/") && text.body.ends_with(stop_footer(language)));
            // Detail is opted in to in the body only; the subject stays the notice.
            let detailed = alert_email(&period, language, "https://t.example/", "u".into(), provided(), true);
            assert_eq!(detailed.subject, notice_subject(language));
            assert!(detailed.text.contains("花子") && detailed.text.contains("釈放直後"));
        }
        let ja = alert_sms(Language::Ja, "https://t.example/", provided());
        assert!(ja.body.starts_with("つなぐ：大切なお知らせがあります"), "{}", ja.body);
    }
}
