//! Why a value was refused, as a code with its values: the words are chosen where the answer
//! is given (English in the API's problem details, the reader's language on the pages).

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Nothing was given where something must be.
    Required,
    /// Not written as a date (`YYYY-MM-DD`).
    NotADate,
    /// Not a time of day in the form HH:MM.
    NotATime,
    /// Not a local date and time in the form `YYYY-MM-DDTHH:MM`.
    NotADateTime,
    /// Written as a date, but no such day exists (2026-02-30).
    NoSuchDay,
    /// A date outside the calendar the service works in.
    OutsideCalendar {
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    /// Something that happened cannot be dated after today.
    InFuture,
    /// An event cannot come before the step before it.
    BeforePreviousStep {
        since: NaiveDate,
    },
    /// Not one of the accepted choices.
    NotAChoice {
        what: &'static str,
        given: String,
        choices: Vec<&'static str>,
    },
    /// Longer than allowed.
    TooLong {
        max: usize,
    },
    /// Control, bidirectional-override or isolate characters.
    UnusableCharacters,
    /// Only spaces or invisible characters.
    NothingVisible,
    /// A kind of record the link was never offered for: widening it is staff's, with consent.
    NotOffered,
    NotAnEmail,
    NotAPhone,
    /// A LINE account is linked from LINE (following the official account), not typed.
    LinkedFromLine,
    UnknownZone,
    /// Two dates in the wrong order: `later` must not come before `earlier`.
    OutOfOrder {
        earlier: &'static str,
        first: NaiveDate,
        later: &'static str,
        second: NaiveDate,
    },
    /// An end before its start.
    EndsBeforeStart,
    /// A date that no longer moves in the milestone's state.
    NoLongerMoves,
    /// A number outside its bounds.
    Between {
        min: i64,
        max: i64,
    },
    /// Custody cannot end before it began.
    CustodyBegan {
        since: NaiveDate,
    },
    /// The employment-support window's dates.
    WindowOpensOn {
        opens_on: NaiveDate,
    },
    WindowRuns {
        opens_on: NaiveDate,
        closes_on: NaiveDate,
    },
    WindowOpenUntil {
        closes_on: NaiveDate,
    },
    NoFurtherExtension,
    /// A snooze ends on a later day, and at most so many days ahead.
    NotALaterDay,
    AtMostDaysAhead {
        days: i64,
        latest: NaiveDate,
    },
    /// A reason must be said, for whoever comes next.
    SayWhy,
    /// A referral goes to another organisation, not the one making it.
    ReferToYourself,
    /// A meeting is held or missed on its day or later.
    MeetingOn {
        meeting_on: NaiveDate,
    },
    /// Given only with one event.
    OnlyWith {
        event: &'static str,
    },
    /// A list that must name at least one of something.
    NameAtLeastOne {
        what: &'static str,
    },
    /// Consent cannot expire in the past.
    ExpiryInPast,
    /// This kind of account cannot hold this link (or be opened here).
    RoleDoesNotFit,
    /// The record named does not exist.
    NoSuch {
        what: &'static str,
    },
    /// Not shaped as an invitation code (ten letters and digits) or a sign-in code (six digits).
    NotAnInvitationCode,
    NotASignInCode,
    /// The page's version of the record is missing: the page is too old to act on.
    PageOutdated,
    /// A webhook's address: not a URL, not https, or a private, loopback or link-local target.
    NotAUrl,
    NotHttps,
    PrivateTarget,
    /// Not a number anyone could call, such as 03-1234-5678.
    NotAPhoneNumber {
        given: String,
    },
    /// This kind of account belongs to an organisation.
    OrganizationNeeded {
        role: &'static str,
    },
    /// This kind of account belongs to an organisation of another kind.
    OrganizationOfKind {
        role: &'static str,
        expected: &'static str,
        given: &'static str,
    },
    /// This kind of account belongs to no organisation.
    NoOrganization {
        role: &'static str,
    },
    /// A spreadsheet that is neither UTF-8 nor Shift_JIS text.
    NotText,
    /// A line of a spreadsheet that is not CSV.
    NotCsv,
    /// The same column or id twice in one file.
    Repeated {
        what: &'static str,
    },
    /// The same thing named twice in one list (a weekday of a shift, a manager).
    NamedTwice {
        what: &'static str,
    },
    /// More rows than one file may hold.
    TooManyRows {
        most: usize,
    },
    /// Not an account on the staff of this organisation.
    NotStaffHere,
    /// A stretch longer than it may be.
    LastsAtMostDays {
        days: i64,
    },
    /// One of two fields, not both and not neither.
    EitherOr {
        first: &'static str,
        second: &'static str,
    },
    /// Anything else, said in English (API-only checks).
    Said(String),
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Required => write!(f, "is required"),
            Why::NotADate => write!(f, "is not a date (YYYY-MM-DD)"),
            Why::NotATime => write!(f, "is not a time of day in the form HH:MM"),
            Why::NotADateTime => write!(f, "is not a local date and time in the form YYYY-MM-DDTHH:MM"),
            Why::NoSuchDay => write!(f, "no such day exists"),
            Why::OutsideCalendar { earliest, latest } => write!(f, "a date between {earliest} and {latest}"),
            Why::InFuture => write!(f, "this records something that has happened; it cannot lie in the future"),
            Why::BeforePreviousStep { since } => {
                write!(f, "the previous step was on {since}; this cannot come before it")
            }
            Why::NotAChoice { what, given, choices } => {
                write!(f, "unknown {what} {given:?} (expected one of {})", choices.join(", "))
            }
            Why::TooLong { max } => write!(f, "at most {max} characters"),
            Why::UnusableCharacters => write!(f, "must not contain control or bidirectional override characters"),
            Why::NothingVisible => write!(f, "must contain a visible character"),
            Why::NotOffered => write!(f, "was never offered on this link; ask the facility to share it"),
            Why::LinkedFromLine => {
                write!(f, "a LINE account is linked by following Tsunagu's official account on LINE, not typed")
            }
            Why::NotAnEmail => write!(f, "is not an e-mail address such as name@example.org"),
            Why::NotAPhone => write!(f, "is not a phone number that can receive texts"),
            Why::UnknownZone => write!(f, "unknown time zone (expected an IANA name such as Asia/Tokyo)"),
            Why::OutOfOrder { earlier, first, later, second } => {
                write!(f, "{later} cannot come before {earlier} ({earlier} {first}, {later} {second})")
            }
            Why::EndsBeforeStart => write!(f, "cannot end before it starts"),
            Why::NoLongerMoves => write!(f, "no longer moves in the milestone's current state"),
            Why::Between { min, max } => write!(f, "between {min} and {max}"),
            Why::CustodyBegan { since } => write!(f, "custody began on {since}"),
            Why::WindowOpensOn { opens_on } => write!(f, "the window opens on {opens_on}"),
            Why::WindowRuns { opens_on, closes_on } => write!(f, "the window runs {opens_on} … {closes_on}"),
            Why::WindowOpenUntil { closes_on } => write!(f, "the window is open until {closes_on}"),
            Why::NoFurtherExtension => write!(f, "the policy allows no further extension"),
            Why::NotALaterDay => write!(f, "a snooze ends on a later day"),
            Why::AtMostDaysAhead { days, latest } => write!(f, "at most {days} days ahead (until {latest})"),
            Why::SayWhy => write!(f, "say why, for whoever comes next"),
            Why::ReferToYourself => write!(f, "a referral goes to another organisation than your own"),
            Why::MeetingOn { meeting_on } => write!(f, "the meeting is arranged for {meeting_on}"),
            Why::OnlyWith { event } => write!(f, "given only with {event}"),
            Why::NameAtLeastOne { what } => write!(f, "name at least one {what}"),
            Why::ExpiryInPast => write!(f, "consent cannot expire in the past; revoke the link instead"),
            Why::RoleDoesNotFit => write!(f, "this kind of account cannot be opened or linked so"),
            Why::NotStaffHere => write!(f, "not a staff member of this organisation"),
            Why::LastsAtMostDays { days } => write!(f, "lasts at most {days} days"),
            Why::EitherOr { first, second } => write!(f, "give either {first} or {second}, not both"),
            Why::NoSuch { what } => write!(f, "no such {what}"),
            Why::PageOutdated => write!(f, "is missing: load the page again"),
            Why::NotAnInvitationCode => write!(f, "an invitation code has ten letters and digits, such as ABCDE-12345"),
            Why::NotASignInCode => write!(f, "a sign-in code is six digits"),
            Why::NotAUrl => write!(f, "not a URL"),
            Why::NotHttps => write!(f, "an https URL"),
            Why::PrivateTarget => write!(f, "private, loopback and link-local targets are refused"),
            Why::NotAPhoneNumber { given } => write!(f, "{given:?} is not a phone number such as 03-1234-5678"),
            Why::OrganizationNeeded { role } => write!(f, "a {role} party must belong to an organisation"),
            Why::OrganizationOfKind { role, expected, given } => {
                write!(f, "a {role} party belongs to a {expected} organisation, not a {given}")
            }
            Why::NoOrganization { role } => write!(f, "a {role} party does not belong to an organisation"),
            Why::NotText => write!(f, "the file is neither UTF-8 nor Shift_JIS text"),
            Why::NotCsv => write!(f, "this line cannot be read as CSV"),
            Why::Repeated { what } => write!(f, "this {what} appears more than once in the file"),
            Why::NamedTwice { what } => write!(f, "this {what} is named more than once"),
            Why::TooManyRows { most } => write!(f, "a file holds at most {most} rows"),
            Why::Said(text) => f.write_str(text),
        }
    }
}
