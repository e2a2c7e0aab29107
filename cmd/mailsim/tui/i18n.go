package tui

// The app's own words, in the languages lessons are written in. A word
// missing here is shown in English.
var vietnamese = map[string]string{
	"(removed at QUIT)":                     "(bị xoá khi QUIT)",
	"headers only":                          "chỉ tiêu đề",
	"reply to":                              "trả lời",
	"octets":                                "octet",
	"From":                                  "Người gửi",
	"Subject":                               "Tiêu đề",
	"Size":                                  "Cỡ",
	"Flags":                                 "Cờ",
	"plain text":                            "văn bản thô",
	"Go to step":                            "Tới bước",
	"Step":                                  "Bước",
	"Story":                                 "Câu chuyện",
	"Transcript":                            "Đường truyền",
	"Meaning":                               "Ý nghĩa",
	"Server":                                "Máy chủ",
	"Devices":                               "Thiết bị",
	"Lessons":                               "Bài học",
	"Quiz":                                  "Câu hỏi",
	"right":                                 "đúng",
	"wrong":                                 "sai",
	"Right!":                                "Đúng!",
	"Not quite.":                            "Chưa đúng.",
	"Score":                                 "Điểm",
	"Lesson over":                           "Hết bài",
	"connected to":                          "kết nối tới",
	"connected":                             "đã kết nối",
	"not connected":                         "chưa kết nối",
	"steps":                                 "bước",
	"done":                                  "xong",
	"marked for deletion":                   "đánh dấu xoá",
	"deleted":                               "đã xoá",
	"new":                                   "mới",
	"flags changed":                         "đổi cờ",
	"empty":                                 "trống",
	"messages":                              "thư",
	"local copy":                            "bản sao cục bộ",
	"Starting the servers…":                 "Đang khởi động máy chủ…",
	"Press → to start.":                     "Nhấn → để bắt đầu.",
	"Try it":                                "Tự thử",
	"Help":                                  "Trợ giúp",
	"press Enter to continue":               "nhấn Enter để tiếp tục",
	"Select a line to see what it means.":   "Chọn một dòng để xem ý nghĩa.",
	"base64 is an encoding, not encryption": "base64 là mã hoá ký tự, không phải mật mã",
	"playing":                               "đang chạy",
	"paused":                                "tạm dừng",
	"follow":                                "theo dõi",
	"running…":                              "đang chạy…",
	"Lesson complete.":                      "Hoàn thành bài học.",
	"Some steps did not go as the lesson expected.": "Có bước không diễn ra như bài học dự kiến.",
}

// word translates one of the app's own words.
func (t *Theme) word(lang, s string) string { return tr(lang, s) }

func tr(lang, s string) string {
	if lang == "vi" {
		if v, ok := vietnamese[s]; ok {
			return v
		}
	}
	return s
}
