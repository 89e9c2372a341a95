"""The Vietnamese label and help of every field the forms show, keyed by field name (or by
`Model.field` where one name means different things in different parts). The help repeats what the
starter file (templates/new-guide.yaml.j2) and commune.yaml's comments say. A field missing here
still appears in the form, under its schema title."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # Guide
    "code": ("Mã thủ tục", "Mã trên Cơ sở dữ liệu quốc gia về thủ tục hành chính: một chữ số, dấu chấm và sáu chữ "
                           "số, ví dụ 1.001193."),
    "Guide.title": ("Tên thủ tục", "Ví dụ: Đăng ký khai sinh."),
    "level": ("Cấp thực hiện", "xã, tỉnh hoặc trung ương."),
    "field": ("Lĩnh vực", "Ví dụ: Hộ tịch."),
    "online_level": ("Mức độ trực tuyến", "Toàn trình: làm hết trên mạng, nhận kết quả trên mạng hoặc qua bưu điện. "
                                          "Một phần: còn phải đến nộp hoặc nhận giấy tờ."),
    "portal_url": ("Đường dẫn dịch vụ", "Đường dẫn tới dịch vụ trên Cổng dịch vụ công, bắt đầu bằng https://."),
    "agency": ("Cơ quan thực hiện", "Ví dụ: Ủy ban nhân dân xã An Viễn."),
    "audience": ("Ai cần làm", "Ai cần làm thủ tục này, viết một câu ngắn."),
    "promise": ("Câu hứa ngắn", "Một câu hứa ngắn in to ở đầu tờ hướng dẫn, tối đa 60 ký tự."),
    "documents": ("Giấy tờ cần chuẩn bị", "Thành phần hồ sơ. Nếu giấy tờ chỉ cần trong một trường hợp, ghi trường "
                                          "hợp đó."),
    "Document.name": ("Tên giấy tờ", ""),
    "form": ("Mẫu đơn", "Tên mẫu đơn; để trống nếu không có mẫu."),
    "originals": ("Số bản chính", ""),
    "copies": ("Số bản sao", ""),
    "case": ("Trường hợp", "Chỉ điền nếu giấy tờ này chỉ cần trong một trường hợp."),
    "note": ("Ghi chú", ""),
    "steps": ("Các bước làm trực tuyến", "Từ 3 đến 6 bước. Tên bước tối đa 40 ký tự, lời giải thích tối đa 220 ký "
                                         "tự."),
    "Step.title": ("Tên bước", "Tối đa 40 ký tự."),
    "Step.text": ("Lời giải thích", "Tối đa 220 ký tự."),
    "icon": ("Hình minh họa", "Chọn một hình trong templates/icons/."),
    "image": ("Ảnh chụp màn hình", "Ảnh PNG, JPEG hoặc SVG trong thư mục content/, tối đa 10 MB (không bắt buộc)."),
    "processing_time": ("Thời hạn giải quyết", ""),
    "fee": ("Phí, lệ phí", "Chép nguyên văn, kể cả trường hợp được miễn."),
    "result": ("Kết quả", "Kết quả người dân nhận được."),
    "legal_basis": ("Căn cứ pháp lý", "Số ký hiệu, trích yếu, ngày ban hành (có thể bỏ)."),
    "number": ("Số ký hiệu", "Ví dụ: 123/2015/NĐ-CP."),
    "summary": ("Trích yếu", ""),
    "date": ("Ngày ban hành", ""),
    "conditions": ("Yêu cầu, điều kiện", "Không bắt buộc."),
    "key_messages": ("Thông điệp chính", "Thông điệp chính cho người dân, mỗi câu tối đa 120 ký tự."),
    "faq": ("Hỏi đáp thường gặp", ""),
    "question": ("Câu hỏi", ""),
    "answer": ("Trả lời", ""),
    "common_mistakes": ("Những lỗi người dân hay mắc", ""),
    "last_checked": ("Ngày kiểm tra", "Ngày cán bộ kiểm tra lại thông tin thủ tục; không được ở tương lai."),
    "Guide.priority": ("Mức ưu tiên bản tin", "Để trống: dùng mức của xã (Thông tư 39/2020/TT-BTTTT)."),
    "notes": ("Ghi chú cho cán bộ", "Những điều chưa kiểm chứng được; không in ra."),
    # Commune
    "Commune.name": ("Tên xã", "Ví dụ: xã An Viễn."),
    "province": ("Tỉnh", "Ví dụ: tỉnh Đồng Nai."),
    "committee": ("Ủy ban", "Ví dụ: Ủy ban nhân dân xã An Viễn."),
    "desk": ("Bộ phận Một cửa", ""),
    "Desk.name": ("Tên bộ phận", ""),
    "address": ("Địa chỉ", ""),
    "hours": ("Giờ làm việc", ""),
    "hotlines": ("Đường dây nóng", "Từ 1 đến 4 số."),
    "label": ("Tên đường dây", ""),
    "Hotline.number": ("Số điện thoại", ""),
    "contacts": ("Cán bộ liên hệ", "Tối đa 4 người."),
    "Contact.name": ("Họ tên", ""),
    "role": ("Chức vụ", ""),
    "phone": ("Số điện thoại", ""),
    "logo": ("Biểu trưng", "Ảnh trong thư mục content/ (không bắt buộc)."),
    "dialect": ("Cách đọc số", "north: nghìn, linh; south: ngàn, lẻ."),
    "Commune.portal_url": ("Cổng dịch vụ công", "Dùng khi hướng dẫn không ghi đường dẫn riêng."),
    "audio": ("Âm thanh", ""),
    "engine": ("Giọng đọc", "auto: giọng Viettel nếu xã có khóa, rồi giọng Google nếu có mạng, rồi piper nếu có, "
                            "rồi espeak-ng (giọng máy, bản nháp). Đoạn nào cán bộ đã thu thì luôn dùng giọng thu."),
    "speed": ("Tốc độ đọc", "Từ 0.8 đến 1.2; 0.9 cho người cao tuổi. Dùng dấu chấm thập phân."),
    "AudioSettings.priority": ("Mức ưu tiên mặc định", ""),
    "piper_model": ("Tệp giọng piper", "Ví dụ: voices/vi_VN-vais1000-medium.onnx."),
    "gtts_tld": ("Tên miền Google", "Mặc định com.vn."),
    "viettel_voice": ("Giọng Viettel", "Ví dụ: hn-quynhanh (miền Bắc), hue-maingoc (miền Trung), hcm-minhquan "
                                       "(miền Nam); để trống thì chọn theo cách đọc số."),
    "viettel_token_env": ("Tên biến môi trường chứa khóa Viettel", "Khóa không bao giờ ghi vào tệp; mặc định "
                                                                   "VIETTEL_TTS_TOKEN."),
    "results": ("Kết quả nộp trực tuyến", "Mục tiêu của xã và cách đọc báo cáo của hệ thống một cửa."),
    "target": ("Mục tiêu (%)", "Tỉ lệ hồ sơ nộp trực tuyến xã muốn đạt, từ 1 đến 100; mặc định 50."),
    "columns": ("Các cột của báo cáo", "Lệnh 'outreach results import' tự ghi lần đầu; sửa nếu báo cáo đổi cột."),
    "ResultColumns.month": ("Cột tháng", "Tên cột (ví dụ Tháng) hoặc chữ cái của cột (ví dụ A); để trống nếu "
                                         "báo cáo chỉ có một tháng."),
    "ResultColumns.code": ("Cột mã thủ tục", "Ví dụ: Mã thủ tục."),
    "ResultColumns.online": ("Cột số hồ sơ trực tuyến", "Ví dụ: Trực tuyến."),
    "ResultColumns.total": ("Cột tổng số hồ sơ", "Ví dụ: Tổng số hồ sơ."),
    "sheet": ("Trang tính", "Tên trang trong tệp Excel; để trống: trang đầu."),
    "viettel_url": ("Địa chỉ dịch vụ Viettel", "Để nguyên, trừ khi Viettel đổi địa chỉ."),
}


def label_and_help(model: str, name: str, schema_title: str) -> tuple[str, str]:
    return LABELS.get(f"{model}.{name}") or LABELS.get(name) or (schema_title or name, "")
