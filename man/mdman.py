#!/usr/bin/env python3
"""mdman: turn our small man page markup (man/*.md) into man(7) roff.

The markup, one construct per line:

  % NAME SECTION DATE "SOURCE" "MANUAL"   header, the first line
  # TITLE                                 section (.SH)
  ## TITLE                                subsection (.SS)
  : TERM                                  a tagged paragraph (.TP); its body
                                          follows on the next lines
  - text                                  a bullet item
  ```  ...  ```                           a literal block (no markup inside)
  @marsadm-commands                       the COMMANDS of marsadm(8), taken
                                          from "marsadm --help" at build time
  blank line                              ends a paragraph

Inline: **bold**, __italic__, `literal` (bold). Everything else is text.

  mdman.py [--marsadm PATH] [--version V] INPUT OUTPUT
"""
import argparse
import re
import shlex
import subprocess
import sys


def escape(text):
    """Escape roff's special characters in running text."""
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    text = text.replace("'", "\\(aq")
    return text


def inline(text):
    """Escape, then apply the inline markup."""
    out = []
    pos = 0
    pattern = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|`([^`]+)`")
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + escape(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fI" + escape(m.group(2)) + "\\fR")
        else:
            out.append("\\fB" + escape(m.group(3)) + "\\fR")
        pos = m.end()
    out.append(escape(text[pos:]))
    result = "".join(out)
    if "**" in result or "__" in result:
        sys.exit("mdman: unbalanced ** or __ (markup must not span lines): " + text)
    return protect(result)


def protect(line):
    """A text line must not start with a control character or a space."""
    line = line.strip()
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


class Writer:
    """Collects roff lines and knows when a paragraph macro is needed."""

    def __init__(self):
        self.lines = []
        self.need_pp = False   # a blank line ended the previous paragraph
        self.after_heading = True

    def macro(self, line):
        self.lines.append(line)

    def text(self, line):
        if self.need_pp and not self.after_heading:
            self.lines.append(".PP")
        self.need_pp = False
        self.after_heading = False
        self.lines.append(line)

    def heading(self, macro, title):
        self.lines.append(macro + " " + quote(title))
        self.need_pp = False
        self.after_heading = True

    def block(self):
        """Start of a construct that brings its own paragraph macro."""
        self.need_pp = False
        self.after_heading = False


def quote(arg):
    return '"' + escape(arg).replace('"', '\\(dq') + '"'


def literal(w, lines):
    if w.need_pp and not w.after_heading:
        w.macro(".PP")
    w.block()
    w.macro(".RS 4")
    w.macro(".nf")
    for line in lines:
        if line.strip():
            w.macro(protect_literal(escape(line.rstrip())))
        else:
            w.macro(".sp")
    w.macro(".fi")
    w.macro(".RE")


def protect_literal(line):
    if line.startswith((".", "'", " ")):
        return "\\&" + line
    return line


OPTION_LINE = re.compile(r"^\s+(-\S+(?: [A-Z]\S*)?)\s{2,}(.*)$")


def marsadm_commands(w, marsadm):
    """The COMMANDS section from the binary itself, so it cannot go stale."""
    help_text = run([marsadm, "--help"])
    names = [m.group(1) for m in re.finditer(r"^  ([a-z][-a-z]*)\b", help_text, re.M)]
    if not names:
        sys.exit("mdman: no commands in '" + marsadm + " --help'")
    for name in names:
        text = run([marsadm, name, "--help"])
        lines = text.rstrip("\n").split("\n")
        usage = lines[0]
        if not usage.startswith("usage: marsadm " + name):
            sys.exit("mdman: unexpected first line of 'marsadm " + name + " --help': " + usage)
        synopsis = usage[len("usage: marsadm " + name):].strip()
        w.heading(".SS", name)
        w.text("\\fBmarsadm " + escape(name) + "\\fR" + (" " + escape(synopsis) if synopsis else ""))
        body = lines[1:]
        in_options = False
        for line in body:
            if not line.strip():
                w.need_pp = True
                in_options = False
                continue
            m = OPTION_LINE.match(line)
            if m:
                w.block()
                w.macro(".TP")
                w.macro("\\fB" + escape(m.group(1)) + "\\fR")
                w.macro(protect(escape(m.group(2))))
                in_options = True
                continue
            if line.startswith("  "):
                # Indented lines that are not options: a table, keep it.
                w.block()
                w.macro(".RS 4")
                w.macro(".nf")
                w.macro(protect_literal(escape(line.rstrip())))
                w.macro(".fi")
                w.macro(".RE")
                continue
            if in_options:
                w.macro(".PP")
                in_options = False
            w.text(protect(escape(line)))


def run(argv):
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("mdman: running " + " ".join(argv) + ": " + str(e))


def convert(source, marsadm, version):
    lines = source.split("\n")
    if not lines or not lines[0].startswith("% "):
        sys.exit("mdman: the first line must be the header '% NAME SECTION DATE ...'")
    head = shlex.split(lines[0][2:])
    if len(head) < 3:
        sys.exit("mdman: header needs at least NAME SECTION DATE")
    name, section, date = head[0], head[1], head[2]
    src = head[3] if len(head) > 3 else "mars " + version
    manual = head[4] if len(head) > 4 else ""
    src = src.replace("@VERSION@", version)
    w = Writer()
    w.macro(".\\\" Generated by man/mdman.py from man/%s.%s.md; do not edit." % (name, section))
    w.macro(".TH %s %s %s %s %s" % (name.upper(), section, date, quote(src), quote(manual)))
    i = 1
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        if line.startswith("```"):
            block = []
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            literal(w, block)
        elif line.startswith("## "):
            w.heading(".SS", line[3:].strip())
        elif line.startswith("# "):
            w.heading(".SH", line[2:].strip().upper())
        elif line.startswith(": "):
            w.block()
            w.macro(".TP")
            w.macro(inline(line[2:]))
        elif line.startswith("- "):
            w.block()
            w.macro(".IP \\(bu 2")
            w.macro(inline(line[2:]))
        elif line == "@marsadm-commands":
            if not marsadm:
                sys.exit("mdman: @marsadm-commands needs --marsadm")
            marsadm_commands(w, marsadm)
        elif not line.strip():
            w.need_pp = True
        else:
            w.text(inline(line))
    return "\n".join(w.lines) + "\n"


def main():
    p = argparse.ArgumentParser(description="man page markup to roff")
    p.add_argument("--marsadm", help="marsadm binary for @marsadm-commands")
    p.add_argument("--version", default="0.1.0")
    p.add_argument("input")
    p.add_argument("output")
    a = p.parse_args()
    with open(a.input, encoding="utf-8") as f:
        roff = convert(f.read(), a.marsadm, a.version)
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(roff)


if __name__ == "__main__":
    main()
