//! What the staff member on duty is sent: a team alert (that one resident has a notice, with
//! the link; never a name or what it is about, on a lock screen) and the hand-over at a shift
//! change (how many alerts are open and periods start in the shift; the periods themselves in
//! the e-mail body only for a reader who opted in to detailed e-mail).

use super::compose::{
    greeting, item, link_label, notice_subject, render, severity_label, stop_footer, EmailPayload, Item, Letter,
    Period, Provided, SmsPayload,
};
use crate::domain::{channels::sms, Language};

/// A team alert by text.
pub fn team_alert_sms(language: Language, url: &str, provided: Provided) -> SmsPayload {
    let body = match language {
        Language::Ja => format!("つなぐ：入居者1名の重要なお知らせ {url}"),
        Language::En => format!("Tsunagu: an important notice about 1 resident {url}"),
    };
    SmsPayload { body: sms::fit(&body, stop_footer(language)), provides: vec![provided] }
}

/// A team alert by e-mail: the same, with how to say one has it.
pub fn team_alert_email(language: Language, url: &str, unsubscribe_url: String, provided: Provided) -> EmailPayload {
    let intro = match language {
        Language::Ja => "入居者1名について、対応が必要なお知らせがあります。リンクを開いてサインインし、「確認しました」を押すか、SMSで「了解」と返信してください。それまで、次の担当者にも届きます。",
        Language::En => "There is a notice about one resident that needs someone. Open the link, sign in and press Acknowledge (or reply OK by text); until someone does, it goes on to the next person.",
    };
    let letter = Letter {
        language,
        subject: notice_subject(language).to_owned(),
        greeting: greeting(language),
        intro: Some(intro.to_owned()),
        items: Vec::new(),
        link: url,
        link_label: link_label(language),
        unsubscribe_url: Some(unsubscribe_url),
    };
    render(letter, vec![provided])
}

/// What a hand-over counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub open_alerts: usize,
    pub periods_starting: usize,
}

fn counted(counts: Counts, language: Language) -> String {
    match language {
        Language::Ja => format!(
            "引き継ぎ：未対応のお知らせ{}件、この勤務中に始まる期間{}件",
            counts.open_alerts, counts.periods_starting
        ),
        Language::En => format!(
            "Hand-over: {} open alerts, {} periods starting in this shift",
            counts.open_alerts, counts.periods_starting
        ),
    }
}

/// The hand-over by text: the two counts and the link.
pub fn handover_sms(language: Language, counts: Counts, url: &str) -> SmsPayload {
    let body = match language {
        Language::Ja => format!("つなぐ：{} {url}", counted(counts, language)),
        Language::En => format!("Tsunagu: {} {url}", counted(counts, language)),
    };
    SmsPayload { body: sms::fit(&body, stop_footer(language)), provides: Vec::new() }
}

/// One open alert as a hand-over lists it: its period (a detailed reader's only) and its link.
pub struct Open<'a> {
    pub severity: crate::domain::risk::Severity,
    pub period: Option<Period<'a>>,
    pub url: String,
}

/// The hand-over by e-mail: the counts, then each open alert with its link; its period and the
/// person's name only for a reader who opted in to detailed e-mail.
pub fn handover_email(
    language: Language,
    counts: Counts,
    open: &[Open<'_>],
    url: &str,
    unsubscribe_url: String,
    provides: Vec<Provided>,
) -> EmailPayload {
    let items = open
        .iter()
        .map(|open| {
            let mut listed = match &open.period {
                Some(period) => item(period, language),
                None => Item {
                    title: match language {
                        Language::Ja => "未対応のお知らせ".to_owned(),
                        Language::En => "Open alert".to_owned(),
                    },
                    person: match language {
                        Language::Ja => "入居者1名".to_owned(),
                        Language::En => "1 resident".to_owned(),
                    },
                    dates: String::new(),
                    severity: severity_label(open.severity, language),
                    why: String::new(),
                },
            };
            listed.why = if listed.why.is_empty() { open.url.clone() } else { format!("{}\n{}", listed.why, open.url) };
            listed
        })
        .collect();
    let letter = Letter {
        language,
        subject: notice_subject(language).to_owned(),
        greeting: greeting(language),
        intro: Some(counted(counts, language)),
        items,
        link: url,
        link_label: link_label(language),
        unsubscribe_url: Some(unsubscribe_url),
    };
    render(letter, provides)
}
