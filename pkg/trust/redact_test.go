package trust

import "testing"

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://mlflow:5000/api", "http://mlflow:5000/api"},
		{"https://h/p?a=1&b=%2F", "https://h/p?a=1&b=%2F"},
		{"http://user:pw@h:1/x", "http://***@h:1/x"},
		{"http://user@h/x?y=1", "http://***@h/x?y=1"},
		{"http://h/x?token=abc&n=1", "http://h/x?token=***&n=1"},
		{"https://acct.blob.core.windows.net/c/f.json?sv=2022&sig=abc%3D&se=1", "https://acct.blob.core.windows.net/c/f.json?sv=2022&sig=***&se=1"},
		{"https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Date=1", "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=1"},
		{"http://u:p@h/x?access_token=t#frag", "http://***@h/x?access_token=***#frag"},
		{"http://h/x?my_api_key=1&id_token=2&private-key=3", "http://h/x?my_api_key=***&id_token=***&private-key=***"},
		{"http://h/a@b?x=1", "http://h/a@b?x=1"}, // an @ in the path is not userinfo
		{"not a url", "not a url"},
		{"", ""},
	} {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactText(t *testing.T) {
	in := `fairlearnUrls entry https://u:pw@h/x.json?token=abc: Get "https://u:pw@h/x.json?token=abc": EOF; see http://ok/`
	want := `fairlearnUrls entry https://***@h/x.json?token=***: Get "https://***@h/x.json?token=***": EOF; see http://ok/`
	if got := RedactText(in); got != want {
		t.Errorf("RedactText:\n got %s\nwant %s", got, want)
	}
	if got := RedactText("no url here: a@b"); got != "no url here: a@b" {
		t.Errorf("plain text changed: %q", got)
	}
}
