import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as t}from"./chunk-3I6WDGZM.js";import{o,v as m}from"./chunk-KQI2CKVW.js";var a=o(t,"Inspector2","Inspector2Client",m),d={},f=(n,r,e,p)=>[];export{a,d as b,f as c};
