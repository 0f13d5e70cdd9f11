namespace XPaste;
