"""Clipboard HTML as Word and Google Docs put it there, for the desk editor's paste tests (route and
browser). Written for these tests in the shape those tools produce: Word's whole document with mso
styles, conditional comments, <o:p> and typed list bullets; Docs' <b id="docs-internal-guid-…"> wrapper
with the bold and italic in span styles."""

from __future__ import annotations

WORD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<link rel=File-List href="file:///C:/Users/desk/AppData/Local/Temp/msohtmlclip1/01/clip_filelist.xml">
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml><![endif]-->
<style><!-- p.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;} --></style></head>
<body lang=EN-GB style='tab-interval:36.0pt;word-wrap:break-word'>
<!--StartFragment-->
<h1>Ferry strike ends<o:p></o:p></h1>
<p class=MsoNormal>Crews <b><span style='mso-bidi-font-weight:normal'>returned</span></b> to the
<span style='font-size:12.0pt;color:#C00000'>ferries</span> on <i>Monday</i> morning.<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span></span><![endif]>Pay rises by four per cent<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span></span><![endif]>Night shifts are shorter<o:p></o:p></p>
<p class=MsoListParagraph style='text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
style='mso-list:Ignore'>1.<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]>First
sailing at six<o:p></o:p></p>
<p class=MsoNormal><font face="Arial" color="red">The union said <span style='font-weight:bold'>no more
strikes</span> this year</font>, see <a href="https://union.example/statement">the statement</a>.<o:p></o:p></p>
<!--EndFragment-->
</body></html>"""

DOCS = ('<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-4f2a9c1e-7fff-1b2c-8d3e">'
        '<h2 dir="ltr" style="line-height:1.38;margin-top:18pt;margin-bottom:6pt;"><span style="font-size:16pt;'
        'font-family:Arial,sans-serif;color:#000000;font-weight:400;font-style:normal;">Talks resume</span></h2>'
        '<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;'
        'font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-weight:400;'
        'font-style:normal;">Negotiators met </span><span style="font-size:11pt;font-family:Arial,sans-serif;'
        'font-weight:700;font-style:normal;">before dawn</span><span style="font-size:11pt;font-weight:400;'
        'font-style:italic;"> in Geneva</span><span style="font-weight:400;">.</span></p>'
        '<ul style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" style="list-style-type:'
        'disc;font-size:11pt;" aria-level="1"><p dir="ltr" style="line-height:1.38;" role="presentation"><span '
        'style="font-size:11pt;font-weight:400;">Ceasefire holds</span></p></li></ul>'
        '<p dir="ltr" style="line-height:1.38;"><a href="https://news.example/geneva" style="text-decoration:none;">'
        '<span style="font-size:11pt;color:#1155cc;font-weight:400;text-decoration:underline;">Full text</span>'
        '</a></p></b><br class="Apple-interchange-newline">')
