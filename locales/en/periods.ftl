## The words for each high-risk period, one set per reader:
##   -family  family, lawyer, supporter (plain, with what to do; no journals, death figures or jargon)
##   -person  the person themself (spoken to them, with what to do)
##   -staff   facility staff and probation (may carry the evidence)
## A message's value is its heading; .why is its explanation.

bail_craving-family = After release on bail: a time when the urge to use can grow strong
    .why = For a few weeks to about three months after stopping, the urge to use drugs tends to be strongest. Listen without blame, and call one of the numbers below if you are worried.
bail_craving-person = A time when the urge to use can grow strong
    .why = For a few weeks to about three months after stopping, the urge to use tends to be strongest. When it is hard, do not carry it alone: call one of the numbers below.
bail_craving-staff = Craving after release on bail
    .why = Craving grows for weeks after use stops, peaking around one to three months, and bail falls right there. Being close by helps.

before_judgment-family = The week before the judgment
    .why = Nerves run high before a judgment. Make time to listen.
before_judgment-person = The week before the judgment
    .why = Nerves run high before a judgment. If you are anxious, talk to your lawyer or the facility.
before_judgment-staff = The week before judgment
    .why = The days before a judgment are stressful, and a custodial sentence ends bail. Having someone to talk to matters.

hearing-family = Court day
    .why = A day at court. Agree beforehand who goes along and how to get there.
hearing-person = Court day
    .why = A day at court. Check with the facility beforehand who goes with you and how to get there.
hearing-staff = Court hearing
    .why = A court hearing is coming. Check who goes along and how the person gets there.

after_release_critical-family = The first two weeks after release (the time that matters most)
    .why = Life changes a great deal right after release, and this is the time to take the most care. Keep in touch every day if you can, and call one of the numbers below at once if you are worried.
after_release_critical-person = The first two weeks after release
    .why = Life changes a great deal, and this is the time to take the most care. If things get hard or you feel like using, do not carry it alone: call one of the numbers below straight away.
after_release_critical-staff = The first two weeks after release
    .why = Deaths from drugs are many times higher in the first two weeks after prison (NEJM 2007;356:157; Addiction 2010;105:1545). Stay in touch.

after_release_high-family = Weeks three and four after release
    .why = The first month after release still needs care. Keep in touch until daily life settles.
after_release_high-person = Weeks three and four after release
    .why = Take a little extra care until daily life settles. If something is wrong, ask for help early.
after_release_high-staff = Weeks three and four after release
    .why = The risk stays high through the first month after release. Keep checking in until daily life settles.

window_closing-family = Help with finding work ends soon
    .why = For six months after a full sentence ends, there is help with finding work. It is lost if it runs out unused, so if it has not been used yet, encourage a word with the facility.
window_closing-person = Help with finding work ends soon
    .why = For six months after release there is help with finding work. It is lost if it runs out unused, so if you have not used it yet, talk to the facility.
window_closing-staff = Employment support ends soon
    .why = The six months of employment support after a full-term release are lost if they run out unused.

after_programme-family = The four weeks after a recovery programme
    .why = When a programme ends, there are fewer places to go and people to talk to. Check together where to go next.
after_programme-person = The four weeks after a recovery programme
    .why = When a programme ends, there are fewer places to go and people to talk to. Decide with the facility where to go next.
after_programme-staff = Four weeks after a programme
    .why = Programmes tend to end without seeing what comes after. Check together where the person connects next.

supervision_ends-family = The four weeks after parole supervision ends
    .why = When supervision ends, regular appointments stop and daily routine can slip. Keep in touch.
supervision_ends-person = The four weeks after parole supervision ends
    .why = Regular appointments stop and daily routine can slip. Keep going to the facility or a self-help group.
supervision_ends-staff = After parole supervision ends
    .why = When parole supervision ends, the structure of daily life falls away at once.

after_lapse-family = The two weeks after using again
    .why = Using again can happen on the way to recovery. Listen without blame, and help keep the link with the facility.
after_lapse-person = The two weeks after using again
    .why = This can happen on the way to recovery. Do not blame yourself; talk to someone at the facility.
after_lapse-staff = Two weeks after a lapse
    .why = A lapse can be part of recovery. Right now re-engaging, without blame, matters most.

not_yet_connected-family = Release is close and no first meeting is set yet
    .why = Meeting someone from the next place of support before or right after release makes it much more likely the link holds. Ask the facility whether a meeting can be set.
not_yet_connected-person = Release is close and no first meeting is set yet
    .why = Meeting someone from your next place early makes the first days easier. Ask the facility to set a meeting.
not_yet_connected-staff = Release within 14 days with no hand-off meeting arranged
    .why = Unless an individual meeting with the receiving staff or members is arranged, the person does not connect (committee paper). Arrange the 顔合わせ so the first appointment comes right after release.
after_missed_meeting-family = The week after a first meeting that did not happen
    .why = A missed meeting is not a failure. A new day is being set; encourage without blame.
after_missed_meeting-person = The week after a meeting that did not happen
    .why = Missing it is not a failure. A new day can be set; tell the facility what would help.
after_missed_meeting-staff = First week after a missed hand-off meeting
    .why = A missed meeting is no failure, but the week after it is when the link is easiest to lose. Reach the person and arrange a new day.

# A referral's own alerts, to the one who made it (staff and probation only)
referral_waiting-staff = A referral is still unanswered
    .why = The organisation you referred the person to has not answered for a week. Call them: a person waiting to be connected can lose heart.
referral_ended-staff = A referral has ended
    .why = See how it ended and whether the person needs another way to connect.

# A follow-up plan's alerts, to its coordinator (and, for the last two, the facility team)
check_in_due-staff = A follow-up check-in is due today
    .why = Call the person as planned. A call that simply asks how they are keeps the link that stops many from dropping out.
gone_quiet-staff = Follow-up calls have gone unanswered several times in a row
    .why = Having no one to trust predicts using again. Try another way (a message, the facility, the family if the person agreed) and keep the door open without blame.
talk_requested-staff = The person asked for someone to call them
    .why = They pressed "I want to talk". Call back as soon as you can: asking is hard, and the first hours matter.

# The heading for a period the configuration does not know (not normally used)
period-other-family = A time to take extra care
    .why = Ask the facility for details.
period-other-person = A time to take extra care
    .why = Ask someone at the facility for details.
period-other-staff = A time to take extra care
    .why = The configuration has no explanation for this rule.
