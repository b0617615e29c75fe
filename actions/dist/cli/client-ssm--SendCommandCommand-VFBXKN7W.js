import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as e,b as r,c as d}from"./chunk-SE4YBNIC.js";import{k as o}from"./chunk-A7XSRDEU.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";var m=class extends e(r,d,"SendCommand",o){};export{m as SendCommandCommand};
