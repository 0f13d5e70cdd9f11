namespace XPaste.Augment;
