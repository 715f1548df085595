//! A refused form in the reader's language: each field's name and why it was refused, in
//! plain words, to show beside the field.

use crate::{
    domain::{sign_in::Door, words::date, Language, Why},
    workflow::{Clash, Crowded},
};

fn pick(language: Language, ja: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Ja => ja,
        Language::En => en,
    }
}

/// What a form's field is called on the pages.
pub fn field(name: &str, language: Language) -> &'static str {
    // A part of a row of a list (`shifts[2].starts_at`) is named as the part; a place in a
    // list (`escalation[1]`, `managers[0]`) as the list.
    let name = name.rsplit_once("].").map_or(name, |(_, part)| part);
    let name = name.split_once('[').map_or(name, |(list, _)| list);
    match name {
        "party_id" => pick(language, "担当する人", "Staff member"),
        "weekdays" => pick(language, "曜日", "Weekdays"),
        "starts_at" => pick(language, "始まり", "Starts"),
        "ends_at" => pick(language, "終わり", "Ends"),
        "escalate_after_minutes" => pick(language, "次の人に知らせるまでの分数", "Minutes before the next is told"),
        "escalation" => pick(language, "順に知らせる人", "Told in turn"),
        "managers" => pick(language, "管理者", "Managers"),
        "shifts" => pick(language, "シフト", "Shifts"),
        "on" => pick(language, "日付", "Date"),
        "event" => pick(language, "出来事", "What happened"),
        "version" => pick(language, "ページの版", "The page's version"),
        "kind" => pick(language, "登録する予定の種類", "What is planned"),
        "note" => pick(language, "メモ", "Note"),
        "display_name" | "party.display_name" => pick(language, "名前", "Name"),
        "birth_date" => pick(language, "生年月日", "Date of birth"),
        "language" => pick(language, "言語", "Language"),
        "timezone" => pick(language, "タイムゾーン", "Time zone"),
        "requested_on" => pick(language, "保釈を請求した日", "Day bail was requested"),
        "hearing_on" => pick(language, "次の審理の日", "Next hearing"),
        "judgment_on" => pick(language, "判決の日", "Judgment day"),
        "scheduled_on" => pick(language, "出所予定日", "Scheduled release"),
        "released_on" => pick(language, "出所した日", "Day of release"),
        "release_type" => pick(language, "出所の種類", "Kind of release"),
        "supervision_ends_on" => pick(language, "保護観察が終わる日", "End of supervision"),
        "program" => pick(language, "プログラム", "Programme"),
        "referred_on" => pick(language, "紹介した日", "Day referred"),
        "sessions_planned" => pick(language, "予定の回数", "Sessions planned"),
        "date" => pick(language, "動かす日付", "Which date"),
        "reason" => pick(language, "理由", "Reason"),
        "person_id" => pick(language, "紹介する人", "Person referred"),
        "to_organization_id" => pick(language, "紹介先", "Referred to"),
        "basis.kind" => pick(language, "同意の取り方", "How consent was given"),
        "basis.reference" => pick(language, "同意の記録の場所", "Where the consent is kept"),
        "basis.on" => pick(language, "同意した日", "Day of consent"),
        "follow" => pick(language, "受け入れの後", "After accepting"),
        "meeting_on" => pick(language, "顔合わせの日", "Day of the meeting"),
        "meeting_at" => pick(language, "時刻", "Time"),
        "place" => pick(language, "場所", "Place"),
        "met_by" => pick(language, "会う人", "Who meets them"),
        "role" | "party.role" => pick(language, "アカウントの種類", "Kind of account"),
        "relationship" => pick(language, "本人との関係", "Relationship"),
        "scope" => pick(language, "見られる内容", "What they may see"),
        "expires_on" => pick(language, "同意の期限", "Consent ends"),
        "address" => pick(language, "アドレスまたは番号", "Address or number"),
        "channel" => pick(language, "種類", "Kind"),
        "email" => pick(language, "メールで受け取るお知らせ", "Alerts by e-mail"),
        "sms" => pick(language, "SMSで受け取るお知らせ", "Alerts by text message"),
        "line" => pick(language, "LINEで受け取るお知らせ", "Alerts on LINE"),
        "digest_at" => pick(language, "まとめのメールを送る時刻", "Time of the daily summary"),
        "until" => pick(language, "いつまで", "Until"),
        "end_on" => pick(language, "終わった日", "Day it ended"),
        "start_on" => pick(language, "始まった日", "Day it started"),
        "coordinator_party_id" => pick(language, "フォローアップ担当", "Follow-up coordinator"),
        "starts_on" => pick(language, "数えはじめる日", "Counted from"),
        "cadence" => pick(language, "連絡の間隔", "How often"),
        "every_weeks" => pick(language, "何週ごと", "Every so many weeks"),
        "every_months" => pick(language, "何か月ごと", "Every so many months"),
        "until_month" => pick(language, "何か月目まで", "Until month"),
        "outcome" => pick(language, "どうだったか", "How it went"),
        _ => pick(language, "入力", "Field"),
    }
}

/// Why a field was refused, in plain words.
pub fn why(why: &Why, language: Language) -> String {
    let day = |on: &chrono::NaiveDate| date(*on, language, 0);
    match (why, language) {
        (Why::Required, _) => pick(language, "入力してください。", "Please fill this in.").to_owned(),
        (Why::NotATime, _) => {
            pick(language, "時刻を「08:00」の形で入力してください。", "Enter a time such as 08:00.").to_owned()
        }
        (Why::NotADateTime, _) => pick(
            language,
            "日時を「2026-03-02 09:00」のように、日付と時刻で入力してください。",
            "Enter a date and a time, such as 2026-03-02 09:00.",
        )
        .to_owned(),
        (Why::NotADate, _) => {
            pick(language, "日付を「2026-11-30」の形で入力してください。", "Enter a date such as 2026-11-30.")
                .to_owned()
        }
        (Why::NoSuchDay, _) => pick(language, "その日はカレンダーにありません。", "There is no such day.").to_owned(),
        (Why::OutsideCalendar { earliest, latest }, Language::Ja) => {
            format!("{}から{}までの日付にしてください。", day(earliest), day(latest))
        }
        (Why::OutsideCalendar { earliest, latest }, Language::En) => {
            format!("Enter a date from {} to {}.", day(earliest), day(latest))
        }
        (Why::InFuture, _) => pick(
            language,
            "起きたことの記録なので、今日より後の日付は入れられません。",
            "This records something that happened: it cannot be after today.",
        )
        .to_owned(),
        (Why::BeforePreviousStep { since }, Language::Ja) => {
            format!("前の段階（{}）より前の日付は入れられません。", day(since))
        }
        (Why::BeforePreviousStep { since }, Language::En) => {
            format!("The step before was on {}: this cannot come earlier.", day(since))
        }
        (Why::NotAChoice { .. }, _) => {
            pick(language, "選択肢から選んでください。", "Choose one of the options.").to_owned()
        }
        (Why::TooLong { max }, Language::Ja) => format!("{max}文字以内にしてください。"),
        (Why::TooLong { max }, Language::En) => format!("Use at most {max} characters."),
        (Why::UnusableCharacters, _) => {
            pick(language, "使えない文字が含まれています。", "This contains characters that cannot be used.").to_owned()
        }
        (Why::NotOffered, _) => pick(
            language,
            "これは施設がこの相手との共有を用意していないものです。見せたいときは施設に相談してください。",
            "This was never set up for sharing with them. Ask the facility if you want to share it.",
        )
        .to_owned(),
        (Why::NothingVisible, _) => {
            pick(language, "文字を入力してください。", "Please type something visible.").to_owned()
        }
        (Why::NotAnEmail, _) => pick(
            language,
            "メールアドレスの形ではありません（例：name@example.org）。",
            "This is not an e-mail address (such as name@example.org).",
        )
        .to_owned(),
        (Why::NotAPhone, _) => pick(
            language,
            "ショートメッセージを受け取れる電話番号ではありません（例：090-1234-5678）。",
            "This is not a phone number that can receive texts (such as 090-1234-5678).",
        )
        .to_owned(),
        (Why::UnknownZone, _) => pick(language, "知らないタイムゾーンです。", "Unknown time zone.").to_owned(),
        (Why::OutOfOrder { earlier, first, .. }, Language::Ja) => {
            format!("{}（{}）より前にはできません。", field(earlier, language), day(first))
        }
        (Why::OutOfOrder { earlier, first, .. }, Language::En) => {
            format!("This cannot come before the {} ({}).", field(earlier, language).to_lowercase(), day(first))
        }
        (Why::EndsBeforeStart, _) => {
            pick(language, "始まった日より前にはできません。", "This cannot be before it started.").to_owned()
        }
        (Why::NoLongerMoves, _) => pick(
            language,
            "いまの状態では、この日付はもう動かせません。",
            "This date no longer moves in the current state.",
        )
        .to_owned(),
        (Why::Between { min, max }, Language::Ja) => format!("{min}から{max}までの数にしてください。"),
        (Why::Between { min, max }, Language::En) => format!("Enter a number from {min} to {max}."),
        (Why::CustodyBegan { since }, Language::Ja) => format!("身柄拘束は{}に始まっています。", day(since)),
        (Why::CustodyBegan { since }, Language::En) => format!("Custody began on {}.", day(since)),
        (Why::WindowOpensOn { opens_on }, Language::Ja) => format!("就労支援期間は{}に始まります。", day(opens_on)),
        (Why::WindowOpensOn { opens_on }, Language::En) => format!("The window opens on {}.", day(opens_on)),
        (Why::WindowRuns { opens_on, closes_on }, Language::Ja) => {
            format!("就労支援期間は{}から{}までです。", day(opens_on), day(closes_on))
        }
        (Why::WindowRuns { opens_on, closes_on }, Language::En) => {
            format!("The window runs from {} to {}.", day(opens_on), day(closes_on))
        }
        (Why::WindowOpenUntil { closes_on }, Language::Ja) => format!("就労支援期間は{}までです。", day(closes_on)),
        (Why::WindowOpenUntil { closes_on }, Language::En) => format!("The window is open until {}.", day(closes_on)),
        (Why::NoFurtherExtension, _) => {
            pick(language, "これ以上は延長できません。", "It cannot be extended any further.").to_owned()
        }
        (Why::NotALaterDay, _) => pick(language, "明日以降の日付にしてください。", "Choose a later day.").to_owned(),
        (Why::AtMostDaysAhead { days, latest }, Language::Ja) => {
            format!("{days}日先（{}）までにしてください。", day(latest))
        }
        (Why::AtMostDaysAhead { days, latest }, Language::En) => {
            format!("At most {days} days ahead (until {}).", day(latest))
        }
        (Why::OnlyWith { .. }, _) => {
            pick(language, "受け入れるときだけ選べます。", "This is chosen only when accepting.").to_owned()
        }
        (Why::MeetingOn { meeting_on }, Language::Ja) => format!("顔合わせは{}の予定です。", day(meeting_on)),
        (Why::MeetingOn { meeting_on }, Language::En) => format!("The meeting is arranged for {}.", day(meeting_on)),
        (Why::ReferToYourself, _) => {
            pick(language, "ほかの機関を選んでください。", "Choose an organisation other than your own.").to_owned()
        }
        (Why::NameAtLeastOne { .. }, _) => {
            pick(language, "少なくとも一つ選んでください。", "Choose at least one.").to_owned()
        }
        (Why::SayWhy, _) => {
            pick(language, "次の担当者のために理由を書いてください。", "Say why, for whoever comes next.").to_owned()
        }
        (Why::ExpiryInPast, _) => {
            pick(language, "過去の日付にはできません。", "This cannot be a day in the past.").to_owned()
        }
        (Why::RoleDoesNotFit, _) => pick(
            language,
            "この種類のアカウントは、この関係では作れません。",
            "This kind of account cannot be opened with this relationship.",
        )
        .to_owned(),
        (Why::LinkedFromLine, _) => pick(
            language,
            "LINEは、つなぐの公式アカウントを友だち追加して届くリンクからつなぎます。",
            "LINE is linked by adding Tsunagu's official account as a friend and opening the link it sends.",
        )
        .to_owned(),
        (Why::NotStaffHere, _) => {
            pick(language, "この施設の職員ではありません。", "Not a staff member of this organisation.").to_owned()
        }
        (Why::LastsAtMostDays { days }, Language::Ja) => format!("{days}日以内にしてください。"),
        (Why::LastsAtMostDays { days }, Language::En) => format!("This lasts at most {days} days."),
        (Why::EitherOr { first, second }, Language::Ja) => {
            format!("{first} か {second} のどちらか一つにしてください。")
        }
        (Why::EitherOr { first, second }, Language::En) => format!("Give either {first} or {second}, not both."),
        (Why::NoSuch { .. }, _) => pick(language, "見つかりません。", "Not found.").to_owned(),
        (Why::PageOutdated, _) => pick(
            language,
            "ページが古くなっています。読み直してから、もう一度お試しください。",
            "The page is out of date: load it again and retry.",
        )
        .to_owned(),
        (Why::NotAnInvitationCode, _) => pick(
            language,
            "招待コードは英数字10文字です（例：ABCDE-12345）。",
            "An invitation code has ten letters and digits, such as ABCDE-12345.",
        )
        .to_owned(),
        (Why::NotASignInCode, _) => {
            pick(language, "サインインコードは6桁の数字です。", "A sign-in code is six digits.").to_owned()
        }
        (Why::OrganizationNeeded { .. }, _) => pick(
            language,
            "この種類のアカウントには、所属する団体を選んでください。",
            "Choose the organisation this account belongs to.",
        )
        .to_owned(),
        (Why::OrganizationOfKind { expected, .. }, _) => {
            let kind = expected.parse().map(|kind| super::words::organization_kind(kind, language)).unwrap_or(expected);
            match language {
                Language::Ja => format!("この種類のアカウントは「{kind}」の団体に所属します。"),
                Language::En => format!("This kind of account belongs to an organisation of the kind {kind}."),
            }
        }
        (Why::NoOrganization { .. }, _) => pick(
            language,
            "この種類のアカウントは団体に所属しません。「なし」を選んでください。",
            "This kind of account belongs to no organisation: choose None.",
        )
        .to_owned(),
        (Why::NotAUrl, _) => pick(language, "URLとして読めません。", "This is not a URL.").to_owned(),
        (Why::NotHttps, _) => pick(language, "https で始まるURLにしてください。", "Use an https URL.").to_owned(),
        (Why::PrivateTarget, _) => pick(
            language,
            "内部のネットワークのアドレスには送れません。",
            "Addresses of private, loopback or link-local networks are refused.",
        )
        .to_owned(),
        (Why::NotAPhoneNumber { .. }, _) => pick(
            language,
            "電話番号として読めません。例：03-1234-5678",
            "This is not a phone number such as 03-1234-5678.",
        )
        .to_owned(),
        (Why::NotText, _) => pick(
            language,
            "ファイルを読めません。CSV（UTF-8 または Shift_JIS）で保存してください。",
            "The file cannot be read: save it as CSV (UTF-8 or Shift_JIS).",
        )
        .to_owned(),
        (Why::NotCsv, _) => {
            pick(language, "この行はCSVとして読めません。", "This line cannot be read as CSV.").to_owned()
        }
        (Why::NamedTwice { .. }, _) => {
            pick(language, "同じものを2回以上選んでいます。", "This is chosen more than once.").to_owned()
        }
        (Why::Repeated { .. }, _) => {
            pick(language, "ファイルの中で2回以上出てきます。", "It appears more than once in the file.").to_owned()
        }
        (Why::TooManyRows { most }, Language::Ja) => format!("1つのファイルは{most}行までです。"),
        (Why::TooManyRows { most }, Language::En) => format!("A file holds at most {most} rows."),
        (Why::Said(text), Language::En) => text.clone(),
        (Why::Said(_), Language::Ja) => pick(language, "この値は使えません。", "").to_owned(),
    }
}

/// Why the reader is asked to come back later, in plain words.
pub fn crowded(why: Crowded, language: Language) -> String {
    let (ja, en) = match why {
        Crowded::Door(Door::ConfirmationForParty) => (
            "今日はこのアカウントに連絡先を追加しすぎました。明日もう一度お試しください。",
            "Too many addresses were added for this account today; try again tomorrow.",
        ),
        Crowded::Door(Door::ConfirmationToAddress) => (
            "今日はこのアドレスに確認を送りすぎました。明日もう一度お試しください。",
            "This address was sent too many confirmations today; try again tomorrow.",
        ),
        Crowded::Door(Door::InvitationForParty) => (
            "今日はこのアカウントの招待を作りすぎました。明日もう一度お試しください。",
            "Too many invitations were made for this account today; try again tomorrow.",
        ),
        Crowded::Door(Door::InvitationByIssuer) => (
            "今日は招待を作りすぎました。明日もう一度お試しください。",
            "You made too many invitations today; try again tomorrow.",
        ),
        Crowded::Door(_) | Crowded::HashingBusy => (
            "いま混み合っています。しばらくしてからもう一度お試しください。",
            "Too many requests just now; try again in a while.",
        ),
    };
    match language {
        Language::Ja => ja.to_owned(),
        Language::En => en.to_owned(),
    }
}

/// Why a change conflicts with what is stored, in plain words.
pub fn clash(clash: &Clash, language: Language) -> String {
    let day = |on: &chrono::NaiveDate| date(*on, language, 0);
    match (clash, language) {
        (Clash::AlreadyInCustody { since }, Language::Ja) => format!("身柄拘束は{}から記録されています。", day(since)),
        (Clash::AlreadyInCustody { since }, Language::En) => {
            format!("Custody is already recorded from {}.", day(since))
        }
        (Clash::NotInCustody, _) => {
            pick(language, "いま続いている身柄拘束の記録はありません。", "No custody is recorded as ongoing.")
                .to_owned()
        }
        (Clash::ChannelNotOffered { .. }, _) => pick(
            language,
            "このサービスでは、この種類の連絡先にはまだ送れません。",
            "This service cannot send to this kind of address yet.",
        )
        .to_owned(),
        (Clash::AddressRecentlyRemoved, _) => pick(
            language,
            "この連絡先は確認前に削除されたため、1日たってから追加できます。",
            "This address was removed before it was confirmed: it can be added again after a day.",
        )
        .to_owned(),
        (Clash::AddressAlreadyHeld, _) => {
            pick(language, "この連絡先はすでに登録されています。", "This address is already there.").to_owned()
        }
        (Clash::AddressNotWaiting, _) => {
            pick(language, "この連絡先は確認を待っていません。", "This address is not waiting for a confirmation.")
                .to_owned()
        }
        (Clash::PersonHasAccount, _) => {
            pick(language, "本人のアカウントはすでにあります。", "The person already has an account.").to_owned()
        }
        (Clash::LinkAlreadyActive, _) => {
            pick(language, "この人はすでに本人とつながっています。", "This account is already linked to the person.")
                .to_owned()
        }
        (Clash::ImportHasRefusedRows { rows }, Language::Ja) => {
            format!("{rows}か所の入力が受け付けられませんでした。ファイルを直して、もう一度読み込んでください。何も登録していません。")
        }
        (Clash::ImportHasRefusedRows { rows }, Language::En) => {
            format!("{rows} cell(s) were refused: correct the file and import it again. Nothing was stored.")
        }
        (Clash::PlanEnded { .. }, _) => pick(
            language,
            "このフォローアップは終わっています。本人が同意したら、計画を設定し直してください。",
            "This follow-up plan has ended: set it again once the person agrees.",
        )
        .to_owned(),
        (Clash::PartyDisabled, _) => {
            pick(language, "このアカウントは停止されています。", "This account is disabled.").to_owned()
        }
        _ => pick(
            language,
            "すでに記録されている内容とぶつかるため、記録できませんでした。",
            "This conflicts with what is already recorded; nothing was stored.",
        )
        .to_owned(),
    }
}
