## The calendar's name, and the event title a lock screen shows (it never says what it is about).

calendar-name = Tsunagu
calendar-discreet-title = Tsunagu: important day
