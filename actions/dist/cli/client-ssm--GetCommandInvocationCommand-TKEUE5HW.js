import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as t,b as n,c as e}from"./chunk-SE4YBNIC.js";import{g as m}from"./chunk-A7XSRDEU.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";var o=class extends t(n,e,"GetCommandInvocation",m){};export{o as GetCommandInvocationCommand};
