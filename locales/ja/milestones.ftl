## 予定の日（マイルストーン）と、その種類の呼び方。読む人ごとに一つずつ（-family / -person / -staff）。

date-hearing_on-family = 裁判の日
date-hearing_on-person = 裁判の日
date-hearing_on-staff = 公判期日
date-judgment_on-family = 判決の日
date-judgment_on-person = 判決の日
date-judgment_on-staff = 判決期日
date-scheduled_on-family = 出所の予定日
date-scheduled_on-person = 出所の予定日
date-scheduled_on-staff = 出所予定日
date-supervision_ends_on-family = 保護観察が終わる日
date-supervision_ends_on-person = 保護観察が終わる日
date-supervision_ends_on-staff = 保護観察の終了日
date-opens_on-family = 仕事探しの支援が受けられるようになる日
date-opens_on-person = 仕事探しの支援が受けられるようになる日
date-opens_on-staff = 就労支援期間の開始
date-closes_on-family = 仕事探しの支援を受けられる最後の日
date-closes_on-person = 仕事探しの支援を受けられる最後の日
date-closes_on-staff = 就労支援期間の最終日
date-interview-family = 保護観察所での面接
date-interview-person = 保護観察所での面接
date-interview-staff = 保護観察の面接
date-meeting_on-family = 顔合わせの日
date-meeting_on-person = つなぎ先の人と会う日
date-meeting_on-staff = 顔合わせ
date-other-family = 予定
date-other-person = 予定
date-other-staff = 予定

# 出所予定日から計算した日付につける印
projected-family = （おおよその日付）
projected-person = （おおよその日付）
projected-staff = （見込み）

milestone-bail-family = 保釈
milestone-bail-person = 保釈
milestone-bail-staff = 保釈
milestone-release-family = 出所
milestone-release-person = 出所
milestone-release-staff = 出所
milestone-employment_support_window-family = 仕事探しの支援
milestone-employment_support_window-person = 仕事探しの支援
milestone-employment_support_window-staff = 就労支援期間
milestone-program_enrollment-family = 回復プログラム
milestone-program_enrollment-person = 回復プログラム
milestone-program_enrollment-staff = 回復プログラム
milestone-lapse-family = また使ってしまったときのこと
milestone-lapse-person = また使ってしまったときのこと
milestone-lapse-staff = 再使用の記録
milestone-handoff-family = 顔合わせ（つなぎ先との初めての面会）
milestone-handoff-person = 顔合わせ（つなぎ先の人と初めて会う日）
milestone-handoff-staff = 顔合わせ・紹介
milestone-follow_up-family = ときどき連絡をとり合うこと
milestone-follow_up-person = ときどき連絡をとり合うこと
milestone-follow_up-staff = フォローアップ（定期連絡と「話したい」）
