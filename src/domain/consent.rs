//! Consent: which kinds of a person's milestones a linked party may see and be alerted about.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{text_enum, Invalid, PartyRole};

text_enum! {
    /// A kind of information a link's consent can cover: the milestone kinds, and lapses.
    pub enum ScopeKind ("scope kind") {
        Bail = "bail",
        Release = "release",
        EmploymentSupportWindow = "employment_support_window",
        ProgramEnrollment = "program_enrollment",
        /// The most sensitive kind: shared outside the person's facility only with explicit consent.
        Lapse = "lapse",
        /// Hand-off meetings (顔合わせ) and the referrals they come of.
        Handoff = "handoff",
        /// Being contacted to stay in touch: a follow-up plan, its check-ins, and the person's
        /// requests for a call. Records, not dates, like lapses.
        FollowUp = "follow_up",
    }
}

/// The set of kinds a link's consent covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope(BTreeSet<ScopeKind>);

impl Scope {
    pub fn new(kinds: impl IntoIterator<Item = ScopeKind>) -> Self {
        Self(kinds.into_iter().collect())
    }

    pub fn everything() -> Self {
        Self::new(ScopeKind::ALL.iter().copied())
    }

    /// This scope and `kind`.
    pub fn with(mut self, kind: ScopeKind) -> Self {
        self.0.insert(kind);
        self
    }

    pub fn contains(&self, kind: ScopeKind) -> bool {
        self.0.contains(&kind)
    }

    /// Whether every kind in `self` is also in `wider`: a change to `self` from `wider` only narrows.
    pub fn is_within(&self, wider: &Scope) -> bool {
        self.0.is_subset(&wider.0)
    }

    /// Custody follows from bail and release: whoever may see either may see it.
    pub fn covers_custody(&self) -> bool {
        self.contains(ScopeKind::Bail) || self.contains(ScopeKind::Release)
    }

    pub fn kinds(&self) -> impl Iterator<Item = ScopeKind> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether some kind of dated milestone is left out, so that a reader may not see all that
    /// is coming. Lapses are records, not dates: leaving them out hides nothing ahead.
    pub fn hides_dates(&self) -> bool {
        ScopeKind::ALL
            .iter()
            .any(|kind| !matches!(kind, ScopeKind::Lapse | ScopeKind::FollowUp) && !self.contains(*kind))
    }

    /// Every kind in either.
    pub fn union(&self, other: &Scope) -> Scope {
        Self(self.0.union(&other.0).copied().collect())
    }

    /// The stored form: kinds in a fixed order, comma-separated (`bail,release`).
    pub fn to_text(&self) -> String {
        self.kinds().map(ScopeKind::as_str).collect::<Vec<_>>().join(",")
    }

    pub fn from_text(text: &str) -> Result<Self, Invalid> {
        text.split(',').filter(|part| !part.is_empty()).map(str::parse).collect::<Result<BTreeSet<_>, _>>().map(Self)
    }
}

/// What a link's consent covers, and until when (a local date of the person's zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub scope: Scope,
    pub expires_on: Option<NaiveDate>,
}

/// A link is in force until it is revoked or its consent expires (at the end of the
/// `expires_on` day in the person's zone, which `expires_at` holds). The store's SQL filter
/// `store::links::active` is this rule as a query.
pub fn link_in_force(
    revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    revoked_at.is_none() && expires_at.is_none_or(|end| end > now)
}

text_enum! {
    /// How the person gave their consent again, when someone else records it.
    pub enum BasisKind ("consent basis") {
        /// A signed form or letter.
        Written = "written",
        /// Said to staff in person.
        InPerson = "in_person",
    }
}

/// The basis of the person's new consent: what staff must record to widen or re-create a link
/// the person narrowed or revoked (APPI Art. 27(1): third-party provision of special
/// care-required data needs the person's consent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentBasis {
    pub kind: BasisKind,
    /// Where the consent can be found: a form number, a file reference, who heard it.
    pub reference: String,
    /// The day the person consented.
    pub on: NaiveDate,
}

impl ConsentBasis {
    pub fn parse(kind: BasisKind, reference: &str, on: NaiveDate, today: NaiveDate) -> Result<Self, super::Refusals> {
        let mut refusals = super::Refusals::default();
        let reference = refusals.check("basis.reference", super::DisplayName::parse(reference)).map(|r| r.into_inner());
        let on = refusals.check("basis.on", super::calendar::happened(on, today));
        match (reference, on) {
            (Some(reference), Some(on)) => Ok(Self { kind, reference, on }),
            _ => Err(refusals),
        }
    }
}

/// Whether a change of consent needs the person's new consent on record: when it gives more
/// than the person last left in place (a wider scope, a later or no expiry, a new link after
/// the person revoked one) and the one recording it is not the person.
pub fn needs_basis(recorded_by_person: bool, person_acted_before: bool, widens: bool) -> bool {
    !recorded_by_person && person_acted_before && widens
}

/// What the person's choice of kinds on a link comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingChoice {
    /// The party sees these kinds from now on.
    Share(Scope),
    /// Nothing ticked: a link that shows nothing is no link. The person is asked whether to stop
    /// sharing instead, and nothing changes until they say so.
    StopInstead,
}

/// The person chooses what a party sees, within what staff once offered on that link: they may
/// narrow it and widen it again, never beyond it (that needs staff and, after the person
/// narrowed, the basis of their new consent).
pub fn choose_sharing(kept: Scope, offered: &Scope) -> Result<SharingChoice, Invalid> {
    if kept.is_empty() {
        return Ok(SharingChoice::StopInstead);
    }
    if !kept.is_within(offered) {
        return Err(super::Why::NotOffered.into());
    }
    Ok(SharingChoice::Share(kept))
}

/// A change to a link's consent: a new scope, a new (or no, `Some(None)`) expiry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentPatch {
    pub scope: Option<Scope>,
    pub expires_on: Option<Option<NaiveDate>>,
}

impl Consent {
    /// The consent `patch` leaves: what it names changes, the rest stays.
    pub fn patched(&self, patch: &ConsentPatch) -> Consent {
        Consent {
            scope: patch.scope.clone().unwrap_or_else(|| self.scope.clone()),
            expires_on: patch.expires_on.unwrap_or(self.expires_on),
        }
    }

    /// A consent given or changed today: its expiry, if any, is a date in range not yet past.
    pub fn check_expiry(&self, today: NaiveDate) -> Result<(), Invalid> {
        let Some(expires_on) = self.expires_on else { return Ok(()) };
        super::calendar::in_range(expires_on)?;
        if expires_on < today {
            return Err(super::Why::ExpiryInPast.into());
        }
        Ok(())
    }

    /// Whether `self` gives no more than `wider`: no kind it lacks, no later (or missing) expiry.
    /// Narrowing is what a person may always do to their own consent.
    pub fn is_within(&self, wider: &Consent) -> bool {
        let expiry_within = match (self.expires_on, wider.expires_on) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(mine), Some(theirs)) => mine <= theirs,
        };
        self.scope.is_within(&wider.scope) && expiry_within
    }
}

text_enum! {
    /// How a party relates to a person.
    pub enum Relationship ("relationship") {
        Lawyer = "lawyer",
        Family = "family",
        FacilityStaff = "facility_staff",
        ProbationOfficer = "probation_officer",
        Supporter = "supporter",
        /// Whose job it is to stay in touch (a consultation window, a mental-health welfare
        /// centre, a facility): holds the person's follow-up plan.
        Coordinator = "coordinator",
    }
}

impl Relationship {
    /// What a link covers when no scope is given. Lapses only ever for the person's facility:
    /// anyone else sees them only when the scope names them explicitly.
    pub fn default_scope(self) -> Scope {
        use ScopeKind::*;
        match self {
            Relationship::FacilityStaff => Scope::everything(),
            Relationship::Family => Scope::new([Bail, Release, EmploymentSupportWindow, ProgramEnrollment, Handoff]),
            Relationship::Lawyer => Scope::new([Bail, Release]),
            Relationship::ProbationOfficer => {
                Scope::new([Release, EmploymentSupportWindow, ProgramEnrollment, Handoff])
            }
            Relationship::Supporter => Scope::new([EmploymentSupportWindow, ProgramEnrollment, Handoff]),
            // Release and custody say when to call and when not to; the plan is the link's work.
            Relationship::Coordinator => Scope::new([Release, ProgramEnrollment, Handoff, FollowUp]),
        }
    }

    /// Whether a party of `role` can hold a link of this relationship.
    pub fn check_role(self, role: PartyRole) -> Result<(), Invalid> {
        let fits = match self {
            Relationship::Lawyer => role == PartyRole::Lawyer,
            Relationship::Family => role == PartyRole::Family,
            Relationship::FacilityStaff => role == PartyRole::Staff,
            Relationship::ProbationOfficer => role == PartyRole::Probation,
            Relationship::Supporter => matches!(role, PartyRole::Family | PartyRole::Staff),
            Relationship::Coordinator => role == PartyRole::Staff,
        };
        if fits {
            Ok(())
        } else {
            Err(super::Why::RoleDoesNotFit.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_facility_staff_see_lapses_by_default() {
        for &relationship in Relationship::ALL {
            let sees_lapses = relationship.default_scope().contains(ScopeKind::Lapse);
            assert_eq!(sees_lapses, relationship == Relationship::FacilityStaff, "{relationship}");
        }
    }

    #[test]
    fn a_family_told_every_date_hides_none_though_lapses_stay_private() {
        assert!(!Relationship::Family.default_scope().hides_dates());
        assert!(Relationship::Lawyer.default_scope().hides_dates());
        assert!(Scope::new([ScopeKind::Release]).hides_dates());
        assert!(Scope::default().hides_dates());
    }

    #[test]
    fn relationships_fit_roles() {
        assert!(Relationship::Lawyer.check_role(PartyRole::Lawyer).is_ok());
        assert!(Relationship::Lawyer.check_role(PartyRole::Family).is_err());
        assert!(Relationship::FacilityStaff.check_role(PartyRole::Staff).is_ok());
        assert!(Relationship::ProbationOfficer.check_role(PartyRole::Probation).is_ok());
        assert!(Relationship::Supporter.check_role(PartyRole::Family).is_ok());
        for &relationship in Relationship::ALL {
            assert!(relationship.check_role(PartyRole::Admin).is_err());
            assert!(relationship.check_role(PartyRole::Person).is_err());
        }
    }

    #[test]
    fn the_person_narrows_and_widens_again_within_what_was_offered() {
        use ScopeKind::*;
        let offered = Scope::new([Bail, Release, Lapse]);
        assert_eq!(choose_sharing(Scope::new([Bail]), &offered), Ok(SharingChoice::Share(Scope::new([Bail]))));
        assert_eq!(choose_sharing(offered.clone(), &offered), Ok(SharingChoice::Share(offered.clone())));
        assert!(choose_sharing(Scope::new([Bail, ProgramEnrollment]), &offered).is_err());
        // Nothing ticked never leaves a link that shows nothing.
        assert_eq!(choose_sharing(Scope::default(), &offered), Ok(SharingChoice::StopInstead));
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert!(Scope::from_text("bail,medical_history").is_err());
        assert_eq!(Scope::from_text(""), Ok(Scope::default()));
    }

    fn any_scope() -> impl Strategy<Value = Scope> {
        proptest::sample::subsequence(ScopeKind::ALL.to_vec(), 0..=ScopeKind::ALL.len()).prop_map(Scope::new)
    }

    #[test]
    fn narrowing_never_adds_kinds_or_time() {
        let date = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let family = Consent { scope: Relationship::Family.default_scope(), expires_on: Some(date(31)) };
        let narrower = Consent { scope: Scope::new([ScopeKind::Bail]), expires_on: Some(date(1)) };
        assert!(narrower.is_within(&family));
        assert!(!family.is_within(&narrower));
        let with_lapse = Consent { scope: Scope::new([ScopeKind::Lapse]), expires_on: Some(date(1)) };
        assert!(!with_lapse.is_within(&family));
        let open_ended = Consent { expires_on: None, ..narrower.clone() };
        assert!(!open_ended.is_within(&family));
        assert!(narrower.is_within(&Consent { expires_on: None, ..family }));
    }

    proptest! {
        #[test]
        fn the_stored_form_round_trips(scope in any_scope()) {
            prop_assert_eq!(Scope::from_text(&scope.to_text()), Ok(scope));
        }

        #[test]
        fn within_is_the_subset_relation(a in any_scope(), b in any_scope()) {
            let expected = a.kinds().all(|kind| b.contains(kind));
            prop_assert_eq!(a.is_within(&b), expected);
            prop_assert!(a.is_within(&Scope::everything()));
        }
    }
}
