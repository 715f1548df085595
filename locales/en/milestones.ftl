## The dates (milestones) and what their kinds are called, one for each reader (-family / -person / -staff).

date-hearing_on-family = Court day
date-hearing_on-person = Court day
date-hearing_on-staff = Court hearing
date-judgment_on-family = Judgment day
date-judgment_on-person = Judgment day
date-judgment_on-staff = Judgment
date-scheduled_on-family = Expected release day
date-scheduled_on-person = Expected release day
date-scheduled_on-staff = Release date
date-supervision_ends_on-family = Parole supervision ends
date-supervision_ends_on-person = Parole supervision ends
date-supervision_ends_on-staff = Parole supervision ends
date-opens_on-family = Help with finding work begins
date-opens_on-person = Help with finding work begins
date-opens_on-staff = Employment support opens
date-closes_on-family = Last day of help with finding work
date-closes_on-person = Last day of help with finding work
date-closes_on-staff = Employment support ends
date-interview-family = Meeting at the probation office
date-interview-person = Meeting at the probation office
date-interview-staff = Probation interview
date-meeting_on-family = First meeting with the next place of support
date-meeting_on-person = Meeting the people of your next place
date-meeting_on-staff = Hand-off meeting
date-other-family = Date
date-other-person = Date
date-other-staff = Date

# The mark on a date worked out from the expected release day
projected-family = (approximate date)
projected-person = (approximate date)
projected-staff = (projected)

milestone-bail-family = bail
milestone-bail-person = bail
milestone-bail-staff = bail
milestone-release-family = release
milestone-release-person = release
milestone-release-staff = release
milestone-employment_support_window-family = help with finding work
milestone-employment_support_window-person = help with finding work
milestone-employment_support_window-staff = employment support
milestone-program_enrollment-family = recovery programme
milestone-program_enrollment-person = recovery programme
milestone-program_enrollment-staff = recovery programme
milestone-lapse-family = times of using again
milestone-lapse-person = times of using again
milestone-lapse-staff = lapses
milestone-handoff-family = first meetings with the next place of support
milestone-handoff-person = first meetings with the people of your next place
milestone-handoff-staff = hand-off meetings and referrals
milestone-follow_up-family = being called now and then to stay in touch
milestone-follow_up-person = being called now and then to stay in touch
milestone-follow_up-staff = follow-up: check-ins and requests for a call
