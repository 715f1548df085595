## カレンダーの名前と、ロック画面にも出る予定の名前（何の予定かは書かない）。

calendar-name = つなぐ
calendar-discreet-title = つなぐ：大切な日
